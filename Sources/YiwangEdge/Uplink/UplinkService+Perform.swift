import Logging
import YiwangCore
import YiwangStore

extension UplinkService {
    typealias Event = UplinkEvent<PreparedBatch>

    /// Runs one action of `UplinkMachine`; returns what the machine is told about it (nil for a report).
    func perform(_ action: UplinkAction<PreparedBatch>, keeper: inout ClockKeeper) async -> Event? {
        switch action {
        case .loadCursor:
            do { return .cursorLoaded(ackedThrough: try await store.ackedThrough()) } catch { return .failed(Self.failure(error)) }
        case .prune(let before):
            do {
                await refreshQuarantineGauge()
                let pruned = try await store.prune(ackedBeforeMs: before)
                if pruned > 0 { logger.info("outbox pruned", metadata: ["yiwang.pruned": .stringConvertible(pruned)]) }
                let ledger = try await store.pruneLedger(olderThanMs: before)
                if ledger > 0 {
                    logger.info("outbox ledger pruned", metadata: ["yiwang.pruned": .stringConvertible(ledger)])
                }
                let conflicts = try await store.pruneConflicts(olderThanMs: configuration.uplink.conflictRetentionMs)
                if conflicts > 0 {
                    logger.info("conflicts pruned", metadata: ["yiwang.pruned": .stringConvertible(conflicts)])
                }
                return .pruned
            } catch { return .failed(Self.failure(error)) }
        case .recordAck(let record):
            if let failure = await self.record(record) { return .failed(failure) }
            return .ackRecorded
        case .read(let from, let limit):
            do {
                let batch = try await store.nextBatch(from: from, maxChanges: limit, maxBytes: configuration.uplink.maxBatchBytes)
                updateGauges(batch)
                let storedFrom = batch.entries.isEmpty ? try await store.firstStoredSeq(atOrAfter: from) : nil
                return .read(PreparedBatch(batch: batch).read(storedFrom: storedFrom))
            } catch { return .failed(Self.failure(error)) }
        case .send(let prepared, let sending):
            return await send(prepared, sending, keeper: &keeper)
        case .sendSkipMark(let seq, let mark, let figures):
            let batch = SyncBatch(
                node: store.nodeID, firstSeq: seq, report: PreparedBatch.report(figures.batch, store: store, nowMs: clock.nowMs()),
                changes: [], skip: mark)
            return await post(BatchCodec.encode(batch), keeper: &keeper)
        case .sendStatus(let firstSeq):
            return .statusAnswered(await sendStatus(firstSeq: firstSeq, keeper: &keeper))
        case .quarantine(let seq, let reason):
            do {
                try await store.quarantine(seq: seq, reason: reason)
                return .quarantined
            } catch { return .failed(Self.failure(error)) }
        case .reissue(let reissue):
            do {
                let outcome = try await store.reissue(
                    reused: reissue.reused, batchLastSeq: reissue.batchLastSeq, hubHighWater: reissue.hubHighWater)
                return .reissued(ackThrough: outcome.ackThrough, message: reissued(reissue, outcome))
            } catch { return .failed(Self.failure(error)) }
        case .wait(let ms, let wakeOnWrite):
            return .woke(byWrite: await pause(ms: ms, wakeOnWrite: wakeOnWrite))
        case .report(let note):
            await report(note)
            return nil
        }
    }

    /// Records an acknowledgement in the outbox; the failure, if it failed.
    func record(_ record: AckRecord) async -> UplinkFailure? {
        do {
            try await store.applyAck(
                highWater: record.through, heldThrough: record.heldThrough, rejected: record.rejected,
                nowMs: record.atMs)
            if !record.rejected.isEmpty { await refreshQuarantineGauge() }
            return nil
        } catch { return Self.failure(error) }
    }

    static func failure(_ error: any Error) -> UplinkFailure {
        let yiwang = error as? YiwangError
        return UplinkFailure(message: yiwang?.description ?? "\(error)", reachable: yiwang?.code != .transport)
    }

    /// Logs the re-issue of writes whose sequences the hub holds other changes under; the node's last error.
    func reissued(_ reissue: UplinkReissue, _ outcome: ReissueOutcome) -> String {
        logger.warning(
            "sequence numbers reused (data restored from an older copy?): writes re-issued above its high water",
            metadata: [
                "yiwang.batch.seq": .stringConvertible(reissue.firstSeq),
                "yiwang.reused": .stringConvertible(reissue.reused.count),
                "yiwang.reissued": .stringConvertible(outcome.reissued.count),
                "yiwang.superseded": .stringConvertible(outcome.superseded.count),
                "yiwang.high_water": .stringConvertible(reissue.hubHighWater),
            ])
        return "sequence_reused: the hub held other changes under \(reissue.reused.count) of this node's sequence "
            + "numbers (data restored from an older copy?); \(outcome.reissued.count) write(s) re-issued above "
            + "\(reissue.hubHighWater)"
    }

    func refreshQuarantineGauge() async {
        if let summary = try? await store.summary() { metrics.quarantined.record(Int64(summary.quarantined)) }
    }

    func updateGauges(_ batch: OutboxBatch) {
        metrics.backlog.record(Int64(batch.backlog))
        let age = batch.oldestPendingMs.map { max(0, clock.nowMs().saturatingSubtract($0)) } ?? 0
        metrics.oldestPendingAge.record(Double(age) / 1000)
        metrics.hubReachable.record(status.snapshot.hubReachable == true ? 1 : 0)
    }
}
