/// The stored states of the records a batch touches, keyed by their bytes (`ByteKey`): canonically equivalent
/// keys with different bytes are two records here as in SQLite. The store reads them before planning; the plan
/// keeps its copy current as it merges (a batch may touch a key twice).
public struct RecordStates: Sendable, Hashable {
    private struct RecordID: Hashable, Sendable {
        var dataset: ByteKey
        var key: ByteKey
    }

    private var states: [RecordID: RecordState] = [:]

    public init() {}

    /// The state of `(dataset, key)`; nil when the hub holds no version of it.
    public subscript(dataset dataset: String, key key: String) -> RecordState? {
        get { states[RecordID(dataset: ByteKey(dataset), key: ByteKey(key))] }
        set { states[RecordID(dataset: ByteKey(dataset), key: ByteKey(key))] = newValue }
    }

    public var count: Int { states.count }
}
