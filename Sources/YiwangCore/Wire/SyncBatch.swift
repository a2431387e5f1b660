/// A node's status as it sends a batch (or a heartbeat): what the hub needs to judge its data age.
public struct NodeReport: Hashable, Sendable {
    /// Outbox entries not yet acknowledged, including the ones in this batch.
    public var backlog: UInt64
    /// Commit time (node clock, ms) of the oldest unacknowledged entry, including this batch; nil if none.
    public var oldestPendingMs: Int64?
    /// Commit time of the oldest entry not in this batch; nil when this batch carries everything pending.
    public var oldestAfterBatchMs: Int64?
    /// The node's wall clock when it sent the batch.
    public var clockMs: Int64
    /// The node's hybrid logical clock when it sent the batch.
    public var hlc: HLCTimestamp
    /// Changes the hub refused that the node holds quarantined: the hub does not hold them (report tail).
    public var quarantined: UInt64 = 0
    /// Commit time of the oldest quarantined change; nil if none.
    public var oldestQuarantinedMs: Int64?
    /// The node's local wall clock minus the time it reports in (the hub's, as measured); nil if unknown.
    public var clockSkewMs: Int64?

    public init(
        backlog: UInt64, oldestPendingMs: Int64?, oldestAfterBatchMs: Int64?, clockMs: Int64, hlc: HLCTimestamp,
        quarantined: UInt64 = 0, oldestQuarantinedMs: Int64? = nil, clockSkewMs: Int64? = nil
    ) {
        self.backlog = backlog
        self.oldestPendingMs = oldestPendingMs
        self.oldestAfterBatchMs = oldestAfterBatchMs
        self.clockMs = clockMs
        self.hlc = hlc
        self.quarantined = quarantined
        self.oldestQuarantinedMs = oldestQuarantinedMs
        self.clockSkewMs = clockSkewMs
    }
}

/// Consecutive outbox entries of one node, `firstSeq`, `firstSeq + 1`, ...; empty for a heartbeat,
/// in which case `firstSeq` is the next sequence the node would send.
public struct SyncBatch: Hashable, Sendable {
    public var node: String
    public var firstSeq: UInt64
    public var report: NodeReport
    public var changes: [Change]
    /// Set on a batch without changes: the node will never send `firstSeq` (protocol 2, `SkipMark`).
    public var skip: SkipMark?
    /// Set on a batch a relay forwards for `node`, a node of its subtree (protocol 3, `RelaySection`).
    public var relay: RelaySection?

    public init(
        node: String, firstSeq: UInt64, report: NodeReport, changes: [Change], skip: SkipMark? = nil,
        relay: RelaySection? = nil
    ) {
        self.node = node
        self.firstSeq = firstSeq
        self.report = report
        self.changes = changes
        self.skip = skip
        self.relay = relay
    }

    public var lastSeq: UInt64? { changes.last?.seq }
}

/// The hub's answer to a batch.
public struct SyncAck: Codable, Hashable, Sendable {
    public struct Rejection: Codable, Hashable, Sendable {
        public var seq: UInt64
        public var error: String
        public var message: String
        public init(seq: UInt64, error: String, message: String) {
            self.seq = seq
            self.error = error
            self.message = message
        }
    }

    /// The highest sequence the hub now holds for the node (applied, duplicate, or refused and recorded).
    public var highWater: UInt64
    /// Set when the batch started past `highWater + 1`: the node must rewind and resend from here.
    public var expectedSeq: UInt64?
    /// Entries the hub refused as invalid: the node quarantines them; they are not retried.
    public var rejected: [Rejection]
    /// The hub's wall clock, so the node can see its own offset.
    public var hubClockMs: Int64
    /// From a relaying city only: the highest sequence of this node the PROVINCE holds, as the city last heard
    /// from it (0: nothing yet). `highWater` then means "relayed"; the node prunes its outbox only through
    /// `heldThrough` (a city whose disk is lost must not take the node's unsent changes with it). A hub omits
    /// it: it holds what it acknowledges (`heldThrough == highWater`).
    public var heldThrough: UInt64?

    public init(
        highWater: UInt64, expectedSeq: UInt64?, rejected: [Rejection], hubClockMs: Int64, heldThrough: UInt64? = nil
    ) {
        self.highWater = highWater
        self.expectedSeq = expectedSeq
        self.rejected = rejected
        self.hubClockMs = hubClockMs
        self.heldThrough = heldThrough
    }
}
