import Foundation
import Logging
import YiwangCore
import YiwangHTTP
import YiwangStore

/// The uplink's state between steps: where it sends from, how often it failed, how big a batch may be.
struct UplinkLoop {
    let service: UplinkService
    /// The next sequence to send (the hub's high water + 1, as far as this node knows).
    var cursor: UInt64?
    /// The highest sequence put in a batch to the hub since this loop started (or acknowledged before it):
    /// an acknowledgement beyond it is not believed (`AckCheck`).
    var sentThrough: UInt64 = 0
    /// Consecutive failures to reach the hub (drives the backoff).
    var failures = 0
    /// Consecutive whole-batch refusals (400/413) of the batch at the cursor.
    var refusals = 0
    /// The current batch size limit (halved while the hub refuses whole batches).
    var batchLimit: Int
    var lastContactMs: Int64 = 0
    var lastPruneMs: Int64 = 0
    /// Entries quarantined here because the hub refused them as a single-change batch.
    var skipped: Set<UInt64> = []
    /// The next batch, read and encoded while the hub applied the previous one (used only if it starts at the
    /// cursor once that batch is acknowledged).
    var prepared: PreparedBatch?
    /// The last acknowledgement being recorded in the outbox while the next batch is already on its way.
    var recordingAck: Task<Void, any Error>?
    /// When the clock reference was last saved (elapsed ms) and the skew saved then.
    var clockSaved: (atElapsedMs: Int64, skewMs: Int64)?
    let bootID = SystemElapsedClock.bootID

    init(service: UplinkService) {
        self.service = service
        self.batchLimit = service.configuration.uplink.maxBatchChanges
    }

    var uplink: EdgeConfiguration.Uplink { service.configuration.uplink }
    var logger: Logger { service.logger }
    var backoff: Backoff { Backoff(baseMs: uplink.backoffBaseMs, capMs: uplink.backoffCapMs) }

    mutating func step() async {
        do {
            try await pruneIfDue()
            let cursor = try self.cursor ?? (service.store.ackedThrough() + 1)
            if self.cursor == nil { sentThrough = max(sentThrough, cursor - 1) }
            self.cursor = cursor
            let ready = prepared.flatMap { $0.batch.firstSeq == cursor ? $0 : nil }
            prepared = nil
            if ready == nil { try await finishRecordingAck() }  // a fresh read sees the last ack in its counts
            let batch = try ready?.batch
                ?? service.store.nextBatch(from: cursor, maxChanges: batchLimit, maxBytes: uplink.maxBatchBytes)
            updateGauges(batch)
            if batch.entries.isEmpty {
                if let stored = try service.store.firstStoredSeq(atOrAfter: cursor), stored > cursor {
                    throw YiwangError.unavailable(
                        "the hub expects seq \(cursor) but the outbox holds only from \(stored) (pruned)")
                }
                let idleMs = service.nowMs() - lastContactMs
                if idleMs < uplink.heartbeatIntervalMs {
                    let woken = await service.pause(ms: uplink.heartbeatIntervalMs - idleMs, wakeOnWrite: true)
                    if woken { await service.pause(ms: uplink.lingerMs, wakeOnWrite: false) }
                    return
                }
            }
            try await send(batch, encoded: ready?.bytes)
        } catch {
            try? await finishRecordingAck()
            failures += 1
            let message = (error as? YiwangError)?.description ?? "\(error)"
            service.status.failed(message, reachable: (error as? YiwangError)?.code != .transport)
            try? await service.store.recordSyncError(message)
            let delay = backoff.delayMs(attempt: failures - 1)
            logger.warning(
                "uplink attempt failed",
                metadata: ["yiwang.error": .string(message), "yiwang.retry_ms": .stringConvertible(delay)])
            await reportStatusIfDue()
            await service.pause(ms: delay, wakeOnWrite: false)
        }
    }

    private mutating func send(_ batch: OutboxBatch, encoded: [UInt8]?) async throws {
        let store = service.store
        let bytes = encoded ?? PreparedBatch.encode(batch, store: store, nowMs: service.nowMs())
        // While the hub applies this batch, read and encode the next one (when more is waiting), so a backlog
        // drains at the pace of the slower side instead of the sum of both.
        let lookahead = batch.backlog > UInt64(batch.entries.count) && !batch.entries.isEmpty
            ? PreparedBatch.start(after: batch, service: service, maxChanges: batchLimit) : nil
        defer { lookahead?.cancel() }
        let started = ContinuousClock.now
        let sent = store.referenceClock?.elapsedMs()
        if let last = batch.entries.last?.seq { sentThrough = max(sentThrough, last) }  // it may arrive, answered or not
        let (status, body) = try await service.transport.postBatch(bytes, node: store.nodeID)
        try await finishRecordingAck()  // whatever the answer, the previous ack is recorded before acting on it
        service.metrics.batchDuration.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
        switch status {
        case 200:
            let ack: SyncAck
            do {
                ack = try JSONCoding.decoder.decode(SyncAck.self, from: Data(body))
            } catch {
                throw YiwangError.transport("the hub answered 200 with a body that is not a sync acknowledgement")
            }
            await measureClock(hubMs: ack.hubClockMs, sentElapsedMs: sent)
            try await apply(ack, to: batch)
            if let lookahead, let next = await lookahead.value, next.batch.firstSeq == cursor {
                prepared = next
            }
        case 400 where !batch.entries.isEmpty, 413 where !batch.entries.isEmpty:
            try await refused(batch, status: status, body: body)
        default:
            let detail = String(decoding: body.prefix(300), as: UTF8.self)
            service.metrics.batchesFailed.increment()
            throw YiwangError.unavailable("the hub answered \(status): \(detail)")
        }
    }

    /// While batches fail (a proxy that drops large bodies, a hub that times out on them), a small status-only
    /// heartbeat still tells the hub the node is alive and how old its oldest unsent change is, so the hub
    /// reports it `stale` with its true data age rather than `offline` or, worse, `realtime`. Best effort:
    /// it neither clears the node's last error nor resets the backoff.
    private mutating func reportStatusIfDue() async {
        let now = service.nowMs()
        guard let cursor, now - lastContactMs >= uplink.heartbeatIntervalMs else { return }
        guard let pending = try? service.store.summary(), pending.backlog > 0 || pending.quarantined > 0 else { return }
        let report = NodeReport(
            backlog: pending.backlog, oldestPendingMs: pending.oldestPendingMs,
            oldestAfterBatchMs: pending.oldestPendingMs, clockMs: now, hlc: service.store.currentHLC,
            quarantined: pending.quarantined, oldestQuarantinedMs: pending.oldestQuarantinedMs,
            clockSkewMs: service.store.referenceClock?.skewMs)
        let beat = SyncBatch(node: service.store.nodeID, firstSeq: cursor, report: report, changes: [])
        let sent = service.store.referenceClock?.elapsedMs()
        guard let (status, body) = try? await service.transport.postBatch(BatchCodec.encode(beat), node: beat.node),
            status == 200, let ack = try? JSONCoding.decoder.decode(SyncAck.self, from: Data(body))
        else { return }
        let verdict = AckCheck(sentThrough: sentThrough, firstSeq: cursor, lastSeq: nil).check(ack)
        if case .refuse(let why) = verdict {
            _ = distrusted(why)
            return
        }
        await measureClock(hubMs: ack.hubClockMs, sentElapsedMs: sent)
        lastContactMs = now
        service.metrics.heartbeats.increment()
        if case .rewind(let expected) = verdict, expected != cursor {
            try? await service.store.applyAck(highWater: expected - 1, rejected: [], nowMs: now)
            self.cursor = expected
        }
    }

    /// Counts and logs an acknowledgement this node does not believe; the error is shown in `/v1/status`.
    private func distrusted(_ why: String) -> YiwangError {
        service.metrics.acksRefused.increment()
        service.status.refusedAck()
        logger.error("hub acknowledgement not believed", metadata: ["yiwang.error": .string(why)])
        return YiwangError(code: .invalidField, field: "ack", message: why)
    }

    private mutating func apply(_ ack: SyncAck, to batch: OutboxBatch) async throws {
        let now = service.nowMs()
        let verdict = AckCheck(sentThrough: sentThrough, firstSeq: batch.firstSeq, lastSeq: batch.entries.last?.seq)
            .check(ack)
        if case .refuse(let why) = verdict { throw distrusted(why) }
        lastContactMs = now
        failures = 0
        service.status.reached(atMs: now, hubClockOffsetMs: hubClockOffset(hubMs: ack.hubClockMs, nowMs: now))
        if case .rewind(let expected) = verdict {
            service.metrics.rewinds.increment()
            logger.notice(
                "hub asked to rewind",
                metadata: [
                    "yiwang.batch.seq": .stringConvertible(batch.firstSeq),
                    "yiwang.expected_seq": .stringConvertible(expected),
                ])
            try await service.store.applyAck(highWater: expected - 1, rejected: [], nowMs: now)
            cursor = expected
            if skipped.contains(expected) {
                throw YiwangError.unavailable(
                    "the hub requires seq \(expected), which it refused and this node quarantined; see /v1/quarantine")
            }
            return
        }
        guard case .accept(let highWater, let rejected, let problem) = verdict else { return }
        if rejected.isEmpty && !batch.entries.isEmpty && problem == nil {
            // Recorded while the next batch travels and the hub applies it (awaited before the next ack). If it
            // fails, the next acknowledgement covers these entries too (acks are cumulative); until then they
            // are pending here, and at worst sent again, which the hub ignores as duplicates.
            let store = service.store
            recordingAck = Task { try await store.applyAck(highWater: highWater, rejected: [], nowMs: now) }
        } else if let recovered = try await reissueReused(ack, batch: batch) {
            let others = rejected.filter { $0.error != YiwangError.Code.sequenceReused.rawValue }  // as checked
            try await service.store.applyAck(highWater: recovered.ackThrough, rejected: others, nowMs: now)
            try await service.store.recordSyncError(recovered.message)
            cursor = recovered.ackThrough + 1
            refusals = 0
            refreshQuarantineGauge()
            return
        } else {
            try await service.store.applyAck(highWater: highWater, rejected: rejected, nowMs: now)
        }
        if let problem {  // after the ack is recorded (which clears the last error), so that the error stays
            let error = distrusted(problem)
            service.status.failed(error.description, reachable: true)
            try? await service.store.recordSyncError(error.description)
        }
        cursor = highWater + 1
        refusals = 0
        batchLimit = min(uplink.maxBatchChanges, batchLimit * 2)
        if batch.entries.isEmpty {
            service.metrics.heartbeats.increment()
        } else {
            service.metrics.batchesSent.increment()
            service.metrics.changesAcked.increment(by: Int64(max(0, batch.entries.count - rejected.count)))
            logger.debug(
                "batch acknowledged",
                metadata: [
                    "yiwang.batch.seq": .stringConvertible(batch.firstSeq),
                    "yiwang.batch.count": .stringConvertible(batch.entries.count),
                    "yiwang.high_water": .stringConvertible(highWater),
                ])
        }
        if !rejected.isEmpty { refreshQuarantineGauge() }
        for rejection in rejected {
            service.metrics.changesQuarantined.increment()
            logger.warning(
                "hub refused a change; quarantined",
                metadata: [
                    "yiwang.batch.seq": .stringConvertible(rejection.seq),
                    "yiwang.error": .string(rejection.error),
                ])
        }
    }

    /// Waits for the previous acknowledgement to be recorded; its failure (a full disk) is this step's failure.
    mutating func finishRecordingAck() async throws {
        guard let recording = recordingAck else { return }
        recordingAck = nil
        try await recording.value
    }

    /// A whole batch refused (400/413): retry a few times, then halve it; a single change still refused is
    /// quarantined here so it never blocks the entries behind it.
    private mutating func refused(_ batch: OutboxBatch, status: Int, body: [UInt8]) async throws {
        service.metrics.batchesRefused.increment()
        lastContactMs = service.nowMs()
        refusals += 1
        let reason = Self.reason(status: status, body: body)
        logger.warning(
            "hub refused a batch",
            metadata: [
                "yiwang.batch.seq": .stringConvertible(batch.firstSeq),
                "yiwang.batch.count": .stringConvertible(batch.entries.count),
                "yiwang.error": .string(reason),
            ])
        guard refusals >= uplink.refusedBatchAttempts else {
            throw YiwangError.unavailable("the hub refused batch \(batch.firstSeq): \(reason)")
        }
        refusals = 0
        if batch.entries.count > 1 {
            batchLimit = max(1, batch.entries.count / 2)
            return
        }
        let seq = batch.firstSeq
        try await service.store.quarantine(seq: seq, reason: reason)
        service.metrics.changesQuarantined.increment()
        refreshQuarantineGauge()
        skipped.insert(seq)
        cursor = seq + 1
        batchLimit = uplink.maxBatchChanges
    }

    static func reason(status: Int, body: [UInt8]) -> String {
        if let error = try? JSONCoding.decoder.decode(ErrorBody.self, from: Data(body)) {
            return "\(error.error): \(error.message)"
        }
        return "HTTP \(status)"
    }

    private mutating func pruneIfDue() async throws {
        let now = service.nowMs()
        guard now - lastPruneMs >= 60_000 else { return }
        lastPruneMs = now
        refreshQuarantineGauge()
        let pruned = try await service.store.prune(ackedBeforeMs: now - uplink.retentionMs)
        if pruned > 0 { logger.info("outbox pruned", metadata: ["yiwang.pruned": .stringConvertible(pruned)]) }
    }

    private func refreshQuarantineGauge() {
        if let summary = try? service.store.summary() { service.metrics.quarantined.record(Int64(summary.quarantined)) }
    }

    private func updateGauges(_ batch: OutboxBatch) {
        service.metrics.backlog.record(Int64(batch.backlog))
        let age = batch.oldestPendingMs.map { max(0, service.nowMs().saturatingSubtract($0)) } ?? 0
        service.metrics.oldestPendingAge.record(Double(age) / 1000)
        service.metrics.hubReachable.record(service.status.snapshot.hubReachable == true ? 1 : 0)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
