import YiwangCore

/// Where an outbox entry stands in the uplink.
public enum OutboxStatus: String, Sendable, Hashable, Codable {
    /// Committed locally, not yet acknowledged by the hub.
    case pending
    /// Acknowledged by the hub; kept for the retention period so a rewind can resend it.
    case acked
    /// Refused by the hub (or refused as a whole batch on its own); not retried.
    case quarantined
    /// Quarantined, then re-queued by an operator as a new outbox entry.
    case requeued
    /// Quarantined, then discarded by an operator with a reason (chained in `quarantine_drops`).
    case dropped
}

/// One outbox row: a local version with its place in the node's append-only sequence.
public struct OutboxEntry: Sendable, Hashable {
    public var change: Change
    /// The node's wall clock when the write committed, in milliseconds since the epoch.
    public var committedAtMs: Int64
    public var status: OutboxStatus
    /// Why the entry was quarantined (the hub's error code and message), if it was.
    public var reason: String?

    public init(change: Change, committedAtMs: Int64, status: OutboxStatus, reason: String?) {
        self.change = change
        self.committedAtMs = committedAtMs
        self.status = status
        self.reason = reason
    }

    public var seq: UInt64 { change.seq }
}

/// A change the uplink has to send next: consecutive entries starting at `firstSeq` (empty when there is
/// nothing to send), with the figures the node reports alongside.
public struct OutboxBatch: Sendable, Hashable {
    public var firstSeq: UInt64
    public var entries: [OutboxEntry]
    /// Entries not yet acknowledged (status pending), whether or not they are in this batch.
    public var backlog: UInt64
    public var oldestPendingMs: Int64?
    /// Commit time of the oldest pending entry after this batch, nil when the batch carries all of them.
    public var oldestAfterBatchMs: Int64?
    /// Entries the hub refused, held here quarantined: changes the hub does not hold, reported with the batch.
    public var quarantined: UInt64 = 0
    public var oldestQuarantinedMs: Int64?

    public var changes: [Change] { entries.map(\.change) }
}

/// The node's sync figures, for `GET /v1/status` and metrics.
public struct OutboxSummary: Sendable, Hashable {
    public var backlog: UInt64
    public var oldestPendingMs: Int64?
    public var quarantined: UInt64
    /// Commit time of the oldest quarantined entry; nil if none.
    public var oldestQuarantinedMs: Int64? = nil
    public var highestSeq: UInt64
    public var ackedThrough: UInt64
    /// What the province holds (below `ackedThrough` when a relaying city acknowledged more); pruned through it.
    public var heldThrough: UInt64 = 0
    public var lastSyncMs: Int64?
    public var lastError: String?
}
