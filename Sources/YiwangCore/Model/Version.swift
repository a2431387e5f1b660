/// What a version does to its record.
public enum Operation: UInt8, Sendable, Hashable, CustomStringConvertible {
    case put = 1
    case delete = 2

    public var description: String { self == .put ? "put" : "delete" }

    public init?(name: String) {
        switch name {
        case "put": self = .put
        case "delete": self = .delete
        default: return nil
        }
    }
}

/// One version of a record: the unit that is written, shipped, merged and audited.
public struct Version: Hashable, Sendable {
    public var dataset: String
    public var key: String
    public var vector: VersionVector
    public var hlc: HLCTimestamp
    /// The node where the write happened.
    public var origin: String
    /// The official or system account responsible.
    public var actor: String
    public var operation: Operation
    /// The JSON object text for a put; nil for a delete (a tombstone).
    public var value: String?

    public init(
        dataset: String, key: String, vector: VersionVector, hlc: HLCTimestamp, origin: String, actor: String,
        operation: Operation, value: String?
    ) {
        self.dataset = dataset
        self.key = key
        self.vector = vector
        self.hlc = hlc
        self.origin = origin
        self.actor = actor
        self.operation = operation
        self.value = operation == .put ? value : nil
    }

    public var isTombstone: Bool { operation == .delete }

    /// Equal when every field is equal, texts as UTF-8 bytes (`ByteKey`), never by canonical equivalence.
    public static func == (lhs: Version, rhs: Version) -> Bool {
        lhs.hlc == rhs.hlc && lhs.operation == rhs.operation && lhs.vector == rhs.vector
            && ByteKey.equal(lhs.dataset, rhs.dataset) && ByteKey.equal(lhs.key, rhs.key)
            && ByteKey.equal(lhs.origin, rhs.origin) && ByteKey.equal(lhs.actor, rhs.actor)
            && (lhs.value == nil) == (rhs.value == nil) && ByteKey.equal(lhs.value ?? "", rhs.value ?? "")
    }

    public func hash(into hasher: inout Hasher) {
        for text in [dataset, key, origin, actor] { hasher.combine(ByteKey(text)) }
        hasher.combine(vector)
        hasher.combine(hlc)
        hasher.combine(operation)
        hasher.combine(value.map { ByteKey($0) })
    }

    /// Deterministic preference between concurrent versions (policy `lww`): higher HLC, then higher origin id,
    /// then the canonical vector text so that two distinct versions never tie (texts compared as UTF-8 bytes).
    public func winsOver(_ other: Version) -> Bool {
        if hlc != other.hlc { return hlc > other.hlc }
        if !ByteKey.equal(origin, other.origin) { return ByteKey.less(other.origin, origin) }
        return ByteKey.less(other.vector.description, vector.description)
    }
}

/// An outbox entry: a version with its place in the origin node's sequence.
public struct Change: Hashable, Sendable {
    public var seq: UInt64
    public var version: Version

    public init(seq: UInt64, version: Version) {
        self.seq = seq
        self.version = version
    }
}
