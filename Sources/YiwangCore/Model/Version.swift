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

    /// Deterministic preference between concurrent versions (policy `lww`): higher HLC, then higher origin id,
    /// then the canonical vector text so that two distinct versions never tie.
    public func winsOver(_ other: Version) -> Bool {
        if hlc != other.hlc { return hlc > other.hlc }
        if origin != other.origin { return origin > other.origin }
        return vector.description > other.vector.description
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
