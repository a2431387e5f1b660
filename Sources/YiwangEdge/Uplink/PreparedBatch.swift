import YiwangCore
import YiwangStore

/// A batch read from the outbox and encoded for the wire, ready to send.
struct PreparedBatch: Sendable {
    let batch: OutboxBatch
    let bytes: [UInt8]

    /// The wire bytes of `batch` with the node's report as of `nowMs`.
    static func encode(_ batch: OutboxBatch, store: EdgeStore, nowMs: Int64) -> [UInt8] {
        let report = NodeReport(
            backlog: batch.backlog, oldestPendingMs: batch.oldestPendingMs,
            oldestAfterBatchMs: batch.oldestAfterBatchMs, clockMs: nowMs, hlc: store.currentHLC,
            quarantined: batch.quarantined, oldestQuarantinedMs: batch.oldestQuarantinedMs,
            clockSkewMs: store.referenceClock?.skewMs)
        return BatchCodec.encode(
            SyncBatch(node: store.nodeID, firstSeq: batch.firstSeq, report: report, changes: batch.changes))
    }

    /// Reads and encodes, in the background, the batch that follows `previous`, as it will stand once the hub
    /// has acknowledged `previous`: its entries no longer count as pending. The report's clock is read now,
    /// so it lags the send by at most one batch's round trip (milliseconds; the hub's states work in seconds).
    static func start(after previous: OutboxBatch, service: UplinkService, maxChanges: Int)
        -> Task<PreparedBatch?, Never>
    {
        let store = service.store
        let maxBytes = service.configuration.uplink.maxBatchBytes
        return Task.detached {
            guard let last = previous.entries.last?.seq,
                var next = try? store.nextBatch(from: last + 1, maxChanges: maxChanges, maxBytes: maxBytes),
                !next.entries.isEmpty, !Task.isCancelled
            else { return nil }
            let sent = UInt64(previous.entries.count)
            next.backlog = next.backlog > sent ? next.backlog - sent : 0
            next.oldestPendingMs = previous.oldestAfterBatchMs
            return PreparedBatch(batch: next, bytes: encode(next, store: store, nowMs: service.nowMs()))
        }
    }
}
