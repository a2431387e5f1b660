/// What the uplink tells status, metrics and logs (`UplinkAction.report`). Texts are about sequences and the
/// hub's answers, never about record values.
public enum UplinkNote: Sendable, Hashable {
    /// The hub answered with an acknowledgement this node believed (at least in part).
    case reached(atMs: Int64, hubClockMs: Int64)
    /// A batch of changes acknowledged through `highWater`; `rejected` were refused one by one and quarantined.
    case acknowledged(firstSeq: UInt64, count: Int, highWater: UInt64, rejected: [SyncAck.Rejection])
    /// A heartbeat (an empty batch, or a status-only one while failing) acknowledged.
    case heartbeat
    /// The hub holds less than the batch assumed: the uplink resends from `expectedSeq`.
    case rewound(firstSeq: UInt64, expectedSeq: UInt64)
    /// An acknowledgement (or part of one) not believed. `asLastError`: also the node's last error.
    case distrusted(String, asLastError: Bool)
    /// The hub refused a whole batch (400/413).
    case refused(firstSeq: UInt64, count: Int, reason: String)
    /// The entry the hub refused as a whole single-change batch is quarantined here.
    case quarantined(seq: UInt64, reason: String)
    /// The hub took the skip mark for `seq`: it records the refusal and holds through `seq`.
    case skipTaken(seq: UInt64)
    /// The hub answered a status other than 200 and 400/413 for a batch of changes.
    case hubFailed(status: Int)
    /// An attempt failed; the next one waits `retryMs`.
    case attemptFailed(UplinkFailure, retryMs: Int64)
    /// The node's last error, recorded without touching the cursors.
    case lastError(String)
}
