import Synchronization
import YiwangCore

/// The audit budget for refusals of unproven senders (no, unknown or revoked token, a credential of the wrong
/// role, a node credential naming another node, a node id outside the topology): ONE token bucket for all of
/// them, whatever name they claim, so rotating claimed names cannot grow the audit log. A burst of 10 and
/// then one entry every 10 s: at most 8,650 audit rows a day under a constant flood. Every refusal, audited or
/// not, is counted in `yiwang_hub_refused_requests_total{reason}`; those beyond the budget also in
/// `yiwang_hub_refusals_unaudited_total`.
public final class UnprovenRefusals: Sendable {
    public static let auditBurst: Double = 10
    public static let auditPerSecond: Double = 0.1
    private let bucket = Mutex<TokenBucket?>(nil)

    public init() {}

    /// Takes one audit entry from the shared budget; false when it is spent.
    public func admitAudit(nowMs: Int64) -> Bool {
        bucket.withLock { bucket in
            var current = bucket ?? TokenBucket(rate: Self.auditPerSecond, burst: Self.auditBurst, nowMs: nowMs)
            let wait = current.take(nowMs: nowMs)
            bucket = current
            return wait == nil
        }
    }
}

extension ProvinceHub {
    /// Refuses a request whose sender proved nothing: no node's record changes (last contact, last error,
    /// counters); the refusal is counted in the metrics and, when `auditAsBatch` and the shared budget allows,
    /// audited as a refused batch under the claimed name (or `-` when that is not a valid node id).
    func refuseUnproven(claimed: String?, error: YiwangError, auditAsBatch: Bool) async throws {
        let nowMs = clock.nowMs()
        let audited = auditAsBatch && refusals.admitAudit(nowMs: nowMs)
        metrics.recordRefusal(reason: error.code.rawValue, audited: audited, batch: auditAsBatch)
        logger.debug("request refused", metadata: ["yiwang.error": "\(error.code)", "yiwang.audited": "\(audited)"])
        guard audited else { return }
        var name = "-"
        if let claimed, (try? Validation.nodeID(claimed)) != nil { name = claimed }
        try await store.auditRefusal(node: name, error: error, nowMs: nowMs)
    }
}
