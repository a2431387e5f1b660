import Foundation
import YiwangCore
import YiwangHTTP
import YiwangStore

extension UplinkService {
    /// Sends a batch (or a heartbeat). While it travels and the hub applies it, the earlier acknowledgement is
    /// recorded and the next batch read, as child tasks; the record is awaited before the answer is acted on
    /// (its failure is this attempt's failure).
    func send(_ prepared: PreparedBatch, _ sending: UplinkSending, keeper: inout ClockKeeper) async -> Event {
        if prepared.bytes != nil { updateGauges(prepared.batch) }  // read ahead: not yet counted
        let bytes = prepared.bytes ?? PreparedBatch.encode(prepared.batch, store: store, nowMs: clock.nowMs())
        async let recordFailure = recordIfAny(sending.recordFirst)
        async let ahead = readAhead(sending.readAhead, after: prepared.batch)
        let started = ContinuousClock.now
        let event = await post(bytes, keeper: &keeper)
        if let failure = await recordFailure { return .failed(failure) }
        guard case .answered(let answer, _) = event else { return event }
        metrics.batchDuration.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
        guard case .ack(let ack) = answer else { return event }  // the read ahead is dropped
        return .answered(.ack(ack), readAhead: await ahead)
    }

    /// Posts `bytes`; an acknowledgement measures the clock.
    func post(_ bytes: [UInt8], keeper: inout ClockKeeper) async -> Event {
        let sent = store.referenceClock?.elapsedMs()
        let status: Int
        let body: [UInt8]
        do {
            (status, body) = try await transport.postBatch(bytes, node: store.nodeID)
        } catch {
            return .failed(Self.failure(error))
        }
        guard status == 200 else {
            let detail = String(decoding: body.prefix(300), as: UTF8.self)
            return .answered(
                .status(status, reason: Self.reason(status: status, body: body), detail: detail), readAhead: nil)
        }
        guard let ack = try? JSONCoding.decoder.decode(SyncAck.self, from: Data(body)) else {
            return .answered(.notAnAck, readAhead: nil)
        }
        await keeper.measure(hubMs: ack.hubClockMs, sentElapsedMs: sent, service: self)
        return .answered(.ack(ack), readAhead: nil)
    }

    /// While batches fail: a small status-only heartbeat (if anything is pending or quarantined); its
    /// acknowledgement, nil when none was sent or the answer was not one.
    func sendStatus(firstSeq: UInt64, keeper: inout ClockKeeper) async -> SyncAck? {
        guard let pending = try? await store.summary(), pending.backlog > 0 || pending.quarantined > 0 else { return nil }
        let now = clock.nowMs()
        let report = NodeReport(
            backlog: pending.backlog, oldestPendingMs: pending.oldestPendingMs,
            oldestAfterBatchMs: pending.oldestPendingMs, clockMs: now, hlc: store.currentHLC,
            quarantined: pending.quarantined, oldestQuarantinedMs: pending.oldestQuarantinedMs,
            clockSkewMs: store.referenceClock?.skewMs)
        let beat = SyncBatch(node: store.nodeID, firstSeq: firstSeq, report: report, changes: [])
        guard case .answered(.ack(let ack), _) = await post(BatchCodec.encode(beat), keeper: &keeper) else { return nil }
        return ack
    }

    private func recordIfAny(_ record: AckRecord?) async -> UplinkFailure? {
        guard let record else { return nil }
        return await self.record(record)
    }

    /// The batch after `previous`, read and encoded while the hub applies it; nil if none is asked or stored.
    private func readAhead(_ ahead: ReadAhead?, after previous: OutboxBatch) async -> OutboxRead<PreparedBatch>? {
        guard let ahead,
            let next = try? await PreparedBatch.readAhead(
                ahead, after: previous, store: store, maxBytes: configuration.uplink.maxBatchBytes,
                nowMs: clock.nowMs())
        else { return nil }
        return next
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
