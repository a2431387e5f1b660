/// `POST /v1/records/{dataset}` (JSON Lines, all-or-nothing): what the import wrote.
public struct BulkAnswer: Codable, Sendable, Hashable {
    public var dataset: String
    public var lines: Int
    public var puts: Int
    public var deletes: Int
    public var unchanged: Int
    public var firstSeq: UInt64?
    public var lastSeq: UInt64?

    public init(
        dataset: String, lines: Int, puts: Int, deletes: Int, unchanged: Int, firstSeq: UInt64?, lastSeq: UInt64?
    ) {
        self.dataset = dataset
        self.lines = lines
        self.puts = puts
        self.deletes = deletes
        self.unchanged = unchanged
        self.firstSeq = firstSeq
        self.lastSeq = lastSeq
    }
}

/// `POST /v1/quarantine/{seq}/requeue`: the quarantined entry sent again as `newSeq`.
public struct RequeueAnswer: Codable, Sendable, Hashable {
    public var seq: UInt64
    public var newSeq: UInt64

    public init(seq: UInt64, newSeq: UInt64) {
        self.seq = seq
        self.newSeq = newSeq
    }
}

/// The body of `POST /v1/quarantine/{seq}/drop`.
public struct DropRequest: Codable, Sendable, Hashable {
    public var reason: String

    public init(reason: String) { self.reason = reason }
}

/// `POST /v1/quarantine/{seq}/drop`: the entry discarded, at `auditSeq` of the node's drop log.
public struct DropAnswer: Codable, Sendable, Hashable {
    public var seq: UInt64
    public var dropped: Bool
    public var auditSeq: Int64

    public init(seq: UInt64, dropped: Bool, auditSeq: Int64) {
        self.seq = seq
        self.dropped = dropped
        self.auditSeq = auditSeq
    }
}

/// `POST /v1/downlink/resync`: the downlink cursor went back to 0 from `previousCursor`.
public struct ResyncAnswer: Decodable, Sendable, Hashable {
    public var resync: Bool
    public var previousCursor: Int64

    public init(previousCursor: Int64) {
        resync = true
        self.previousCursor = previousCursor
    }

    /// `{"resync":true,"previousCursor":N}`, in this order, as the node has always written it.
    public var json: String { "{\"resync\":\(resync),\"previousCursor\":\(previousCursor)}" }
}
