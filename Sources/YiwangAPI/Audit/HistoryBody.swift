/// `GET /v1/records/{dataset}/{key}/history` (`yiwangctl blame`): every version the hub has seen of a record.
public struct HistoryBody: Codable, Sendable {
    public var dataset: String
    public var key: String
    /// The live versions (entries still on the hub).
    public var versions: [VersionHistoryItem]
    /// Set when older entries of the record were archived and pruned from the hub.
    public var archived: ArchivedHistory?

    public init(dataset: String, key: String, versions: [VersionHistoryItem], archived: ArchivedHistory? = nil) {
        self.dataset = dataset
        self.key = key
        self.versions = versions
        self.archived = archived
    }
}

/// One version of a record as the hub saw it (`yiwangctl blame`, `GET /v1/records/{dataset}/{key}/history`).
public struct VersionHistoryItem: Sendable, Hashable, Codable {
    /// What became of the version.
    public enum Status: String, Sendable, Hashable, Codable {
        /// It is (one of) the record's visible version(s) now.
        case visible
        /// It lost a conflict against a concurrent version.
        case lost
        /// A later version replaced it (or it arrived after one that covers it).
        case superseded
        /// It was the record's tombstone, purged once every node that may hold the record had it.
        case purged
    }

    /// The audit entry that recorded it.
    public var auditSeq: Int64
    /// When the hub applied it (hub clock).
    public var receivedAtMs: Int64
    /// The node that sent it; `origin` is where it was written.
    public var node: String
    public var origin: String
    public var actor: String
    /// The writer's hybrid logical clock, milliseconds part.
    public var writtenAtMs: Int64
    public var vector: String
    public var operation: String
    /// SHA-256 of the value (puts only), so a copy can be matched without the hub revealing it.
    public var valueSHA256: String?
    public var status: Status

    public init(
        auditSeq: Int64, receivedAtMs: Int64, node: String, origin: String, actor: String, writtenAtMs: Int64,
        vector: String, operation: String, valueSHA256: String?, status: Status
    ) {
        self.auditSeq = auditSeq
        self.receivedAtMs = receivedAtMs
        self.node = node
        self.origin = origin
        self.actor = actor
        self.writtenAtMs = writtenAtMs
        self.vector = vector
        self.operation = operation
        self.valueSHA256 = valueSHA256
        self.status = status
    }
}
