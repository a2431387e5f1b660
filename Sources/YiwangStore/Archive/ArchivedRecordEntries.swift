import YiwangCore

/// A record's identity, compared as bytes (STYLE.md 10).
public struct RecordKey: Hashable, Sendable {
    public let dataset: ByteKey
    public let key: ByteKey

    public init(dataset: String, key: String) {
        self.dataset = ByteKey(dataset)
        self.key = ByteKey(key)
    }
}

/// The `apply` and `conflict` entries an archive holds for chosen records, oldest first: collected while the
/// archive is verified, for the records check and blame across an archive.
public struct ArchivedRecordEntries: Sendable {
    private let wanted: Set<RecordKey>?
    private var byRecord: [RecordKey: [AuditEntry]] = [:]

    /// Collects the entries of `wanted` records only (nil: of every record).
    public init(wanted: Set<RecordKey>?) { self.wanted = wanted }

    /// Keeps `entry` if it is an `apply` or `conflict` entry of a wanted record.
    public mutating func collect(_ entry: AuditEntry) {
        guard entry.kind == "apply" || entry.kind == "conflict" else { return }
        let record = RecordKey(dataset: entry.dataset, key: entry.key)
        guard wanted?.contains(record) ?? true else { return }
        byRecord[record, default: []].append(entry)
    }

    public func entries(dataset: String, key: String) -> [AuditEntry] {
        byRecord[RecordKey(dataset: dataset, key: key)] ?? []
    }
}
