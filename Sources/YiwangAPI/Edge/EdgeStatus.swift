/// A node's `GET /v1/status` (`yiwangctl node`). Every key is always present (null when unknown).
public struct EdgeStatus: Codable, Sendable, Hashable {
    public var nodeId: String
    public var datasets: [String]
    public var backlog: UInt64
    public var oldestPendingMs: Int64?
    public var oldestPendingAgeMs: Int64?
    public var lastSyncMs: Int64?
    public var hubReachable: Bool?
    public var lastError: String?
    public var quarantined: UInt64
    public var highestSeq: UInt64
    public var ackedThrough: UInt64
    public var hubClockOffsetMs: Int64?
    /// The downlink from the hub: cursor, lag and last pull (see `DownlinkStatus`).
    public var downlink: DownlinkStatus?
    /// Age of the oldest change the hub refused (quarantined here; the hub lacks it); nil if none.
    public var oldestQuarantinedAgeMs: Int64?
    /// What is wrong with the local clock ("clock 2h ahead of the hub ..."), nil while it is right.
    public var clock: String?
    /// Where `datasets` and the merge policies come from (see `GrantsStatus`).
    public var grants: GrantsStatus?
    /// What the province holds of this node's outbox: `ackedThrough` from a hub; from a relaying city, what the
    /// city last heard from the province (entries above it are kept, acknowledged or not).
    public var heldThrough: UInt64 = 0
    /// A city serving counties: the relayed origins and their backlog (null when `relay_listen` is unset).
    public var relay: RelayStatus?

    public init(
        nodeId: String, datasets: [String], backlog: UInt64, oldestPendingMs: Int64?, oldestPendingAgeMs: Int64?,
        lastSyncMs: Int64?, hubReachable: Bool?, lastError: String?, quarantined: UInt64, highestSeq: UInt64,
        ackedThrough: UInt64, hubClockOffsetMs: Int64?, downlink: DownlinkStatus?,
        oldestQuarantinedAgeMs: Int64? = nil, clock: String? = nil, grants: GrantsStatus? = nil
    ) {
        self.nodeId = nodeId
        self.datasets = datasets
        self.backlog = backlog
        self.oldestPendingMs = oldestPendingMs
        self.oldestPendingAgeMs = oldestPendingAgeMs
        self.lastSyncMs = lastSyncMs
        self.hubReachable = hubReachable
        self.lastError = lastError
        self.quarantined = quarantined
        self.highestSeq = highestSeq
        self.ackedThrough = ackedThrough
        self.hubClockOffsetMs = hubClockOffsetMs
        self.downlink = downlink
        self.oldestQuarantinedAgeMs = oldestQuarantinedAgeMs
        self.clock = clock
        self.grants = grants
    }

    enum CodingKeys: String, CodingKey {
        case nodeId, datasets, backlog, oldestPendingMs, oldestPendingAgeMs, lastSyncMs, hubReachable, lastError
        case quarantined, highestSeq, ackedThrough, hubClockOffsetMs, downlink, oldestQuarantinedAgeMs, clock
        case grants, heldThrough, relay
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(nodeId, forKey: .nodeId)
        try c.encode(datasets, forKey: .datasets)
        try c.encode(backlog, forKey: .backlog)
        try c.encode(oldestPendingMs, forKey: .oldestPendingMs)
        try c.encode(oldestPendingAgeMs, forKey: .oldestPendingAgeMs)
        try c.encode(lastSyncMs, forKey: .lastSyncMs)
        try c.encode(hubReachable, forKey: .hubReachable)
        try c.encode(lastError, forKey: .lastError)
        try c.encode(quarantined, forKey: .quarantined)
        try c.encode(highestSeq, forKey: .highestSeq)
        try c.encode(ackedThrough, forKey: .ackedThrough)
        try c.encode(hubClockOffsetMs, forKey: .hubClockOffsetMs)
        try c.encode(downlink, forKey: .downlink)
        try c.encode(oldestQuarantinedAgeMs, forKey: .oldestQuarantinedAgeMs)
        try c.encode(clock, forKey: .clock)
        try c.encode(grants, forKey: .grants)
        try c.encode(heldThrough, forKey: .heldThrough)
        try c.encode(relay, forKey: .relay)
    }
}

/// The `downlink` object of `GET /v1/status`. Every key is always present (null when unknown).
public struct DownlinkStatus: Codable, Sendable, Hashable {
    /// The hub feed sequence applied through.
    public var cursor: Int64
    /// The hub feed's head minus the cursor, as of the last pull; null before the first.
    public var lag: Int64?
    /// When the last pull was answered (node clock, ms).
    public var lastPullMs: Int64?
    /// Time since that pull.
    public var lastPullAgeMs: Int64?
    public var lastError: String?
    /// The snapshot bootstrap still to finish (null when none is): `pending` before its first page, `paging`
    /// after, with the feed position it is taken at, its pages and records applied so far.
    public var snapshot: Snapshot?

    /// `downlink.snapshot`: `{state, position, pages, records}`, every key present (position null while pending).
    public struct Snapshot: Codable, Sendable, Hashable {
        /// `pending` (no page applied yet) or `paging`.
        public var state: String
        public var position: Int64?
        public var pages: Int64
        public var records: Int64

        public init(state: String, position: Int64?, pages: Int64, records: Int64) {
            self.state = state
            self.position = position
            self.pages = pages
            self.records = records
        }

        enum CodingKeys: String, CodingKey { case state, position, pages, records }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(state, forKey: .state)
            try c.encode(position, forKey: .position)
            try c.encode(pages, forKey: .pages)
            try c.encode(records, forKey: .records)
        }

        /// One line for people: `pending` or `paging at position P: N pages, M records`.
        public var summary: String {
            guard let position else { return state }
            return "\(state) at position \(position): \(pages) page\(pages == 1 ? "" : "s"), \(records) records"
        }
    }

    public init(
        cursor: Int64, lag: Int64?, lastPullMs: Int64?, lastPullAgeMs: Int64?, lastError: String?,
        snapshot: Snapshot? = nil
    ) {
        self.cursor = cursor
        self.lag = lag
        self.lastPullMs = lastPullMs
        self.lastPullAgeMs = lastPullAgeMs
        self.lastError = lastError
        self.snapshot = snapshot
    }

    enum CodingKeys: String, CodingKey { case cursor, lag, lastPullMs, lastPullAgeMs, lastError, snapshot }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(cursor, forKey: .cursor)
        try c.encode(lag, forKey: .lag)
        try c.encode(lastPullMs, forKey: .lastPullMs)
        try c.encode(lastPullAgeMs, forKey: .lastPullAgeMs)
        try c.encode(lastError, forKey: .lastError)
        try c.encode(snapshot, forKey: .snapshot)
    }
}
