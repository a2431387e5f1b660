import YiwangCore
import YiwangStore

/// A batch read from the outbox, with its wire bytes when they were encoded ahead (`readAhead`).
struct PreparedBatch: Sendable, Hashable {
    let batch: OutboxBatch
    var bytes: [UInt8]?

    /// Entries with these statuses are held at the node: never sent again (a skip mark stands for them).
    static let heldStatuses: Set<OutboxStatus> = [.quarantined, .requeued, .dropped]

    /// What `UplinkMachine` needs to know about this read.
    func read(storedFrom: UInt64? = nil) -> OutboxRead<PreparedBatch> {
        let first = batch.entries.first
        let held = first.flatMap { Self.heldStatuses.contains($0.status) ? ($0.reason ?? "quarantined at the node") : nil }
        return OutboxRead(
            batch: self, firstSeq: batch.firstSeq, lastSeq: batch.entries.last?.seq, count: batch.entries.count,
            backlog: batch.backlog, held: held, storedFrom: storedFrom)
    }

    /// The node's report with `batch`, as of `nowMs`.
    static func report(_ batch: OutboxBatch, store: EdgeStore, nowMs: Int64) -> NodeReport {
        NodeReport(
            backlog: batch.backlog, oldestPendingMs: batch.oldestPendingMs,
            oldestAfterBatchMs: batch.oldestAfterBatchMs, clockMs: nowMs, hlc: store.currentHLC,
            quarantined: batch.quarantined, oldestQuarantinedMs: batch.oldestQuarantinedMs,
            clockSkewMs: store.referenceClock?.skewMs)
    }

    /// The wire bytes of `batch` with the node's report as of `nowMs`.
    static func encode(_ batch: OutboxBatch, store: EdgeStore, nowMs: Int64) -> [UInt8] {
        BatchCodec.encode(
            SyncBatch(
                node: store.nodeID, firstSeq: batch.firstSeq, report: report(batch, store: store, nowMs: nowMs),
                changes: batch.changes))
    }

    /// Reads and encodes the batch that follows `previous`, as it will stand once the hub has acknowledged
    /// `previous`: its entries no longer count as pending. The report's clock is read now, so it lags the
    /// send by at most one batch's round trip (milliseconds; the hub's states work in seconds). Nil when
    /// nothing follows.
    static func readAhead(
        _ ahead: ReadAhead, after previous: OutboxBatch, store: EdgeStore, maxBytes: Int, nowMs: Int64
    ) async throws(YiwangError) -> OutboxRead<PreparedBatch>? {
        var next = try await store.nextBatch(from: ahead.from, maxChanges: ahead.limit, maxBytes: maxBytes)
        guard !next.entries.isEmpty else { return nil }
        next.backlog = next.backlog.saturatingSubtract(UInt64(ahead.sent))
        next.oldestPendingMs = previous.oldestAfterBatchMs
        return PreparedBatch(batch: next, bytes: encode(next, store: store, nowMs: nowMs)).read()
    }
}
