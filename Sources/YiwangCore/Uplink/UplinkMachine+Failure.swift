extension UplinkMachine {
    /// An awaited acknowledgement record is written: go on as it says.
    mutating func recorded(_ after: AfterRecord, nowMs: Int64) -> [UplinkAction<Batch>] {
        switch after {
        case .accepted(let sent, let highWater, let rejected, let problem, let readAhead):
            return finishAccept(
                sent, highWater: highWater, rejected: rejected, problem: problem, readAhead: readAhead, nowMs: nowMs)
        case .skipTaken(let sent, let highWater, let problem):
            var actions: [UplinkAction<Batch>] = [.report(.skipTaken(seq: sent.firstSeq))]
            if let problem { actions.append(.report(.distrusted(problem, asLastError: true))) }
            cursor = highWater.saturatingAdd(1)
            refusals = 0
            return actions + decide(nowMs: nowMs)
        case .rewound(let expected):
            cursor = expected
            return decide(nowMs: nowMs)
        case .reissued(let ackThrough, let message):
            cursor = ackThrough.saturatingAdd(1)
            refusals = 0
            return [.report(.lastError(message))] + decide(nowMs: nowMs)
        case .deferred:
            return decide(nowMs: nowMs)
        case .thenFail(let failure):
            return failNow(failure, nowMs: nowMs)
        case .statusRewind(let expected, let retryMs):
            cursor = expected
            return backOff(retryMs)
        }
    }

    /// An awaited acknowledgement record failed (a full disk): the attempt failed, unless the record was a
    /// best-effort one.
    mutating func recordFailed(_ after: AfterRecord, _ failure: UplinkFailure, nowMs: Int64) -> [UplinkAction<Batch>] {
        switch after {
        case .thenFail(let original):
            return failNow(original, nowMs: nowMs)
        case .statusRewind(let expected, let retryMs):
            cursor = expected
            return backOff(retryMs)
        default:
            return fail(failure, nowMs: nowMs)
        }
    }

    /// An acknowledgement this node does not believe: counted, logged, and the attempt fails.
    mutating func distrusted(_ why: String, nowMs: Int64) -> [UplinkAction<Batch>] {
        let error = YiwangError(code: .invalidField, field: "ack", message: why)
        return fail(
            UplinkFailure(message: error.description, reachable: true), nowMs: nowMs,
            notes: [.report(.distrusted(why, asLastError: false))])
    }

    /// The attempt failed: the deferred acknowledgement is recorded first (best effort), then the failure is
    /// reported and the uplink backs off, with a status-only heartbeat when one is due.
    mutating func fail(_ failure: UplinkFailure, nowMs: Int64, notes: [UplinkAction<Batch>] = [])
        -> [UplinkAction<Batch>]
    {
        prepared = nil
        if let record = deferredRecord {
            deferredRecord = nil
            phase = .recording(.thenFail(failure))
            return notes + [.recordAck(record)]
        }
        return notes + failNow(failure, nowMs: nowMs)
    }

    mutating func failNow(_ failure: UplinkFailure, nowMs: Int64) -> [UplinkAction<Batch>] {
        failures = failures == .max ? failures : failures + 1
        let delay = settings.backoff.delayMs(attempt: failures - 1, using: &random)
        let note = UplinkAction<Batch>.report(.attemptFailed(failure, retryMs: delay))
        // While batches fail (a proxy that drops large bodies, a hub that times out on them), a small
        // status-only heartbeat still tells the hub the node is alive and how old its oldest unsent change is,
        // so the hub reports it `stale` with its true data age rather than `offline` or, worse, `realtime`.
        let idleMs = lastContactMs.map { nowMs.saturatingSubtract($0) } ?? .max
        if let cursor, idleMs >= settings.heartbeatIntervalMs {
            phase = .reportingStatus(retryMs: delay)
            return [note, .sendStatus(firstSeq: cursor)]
        }
        return [note] + backOff(delay)
    }

    mutating func backOff(_ delayMs: Int64) -> [UplinkAction<Batch>] {
        phase = .backingOff
        return [.wait(ms: delayMs, wakeOnWrite: false)]
    }

    /// The status heartbeat's answer. Best effort: it neither clears the node's last error nor resets the
    /// backoff; a rewind it asks for is taken.
    mutating func statusAnswered(_ ack: SyncAck?, retryMs: Int64, nowMs: Int64) -> [UplinkAction<Batch>] {
        guard let ack, let cursor else { return backOff(retryMs) }
        let verdict = AckCheck(sentThrough: sentThrough, firstSeq: cursor, lastSeq: nil).check(ack)
        if case .refuse(let why) = verdict {
            return [.report(.distrusted(why, asLastError: false))] + backOff(retryMs)
        }
        lastContactMs = nowMs
        if case .rewind(let expected) = verdict, expected != cursor {
            phase = .recording(.statusRewind(expectedSeq: expected, retryMs: retryMs))
            return [
                .report(.heartbeat),
                .recordAck(AckRecord(through: expected - 1, atMs: nowMs, heldThrough: ack.heldThrough)),
            ]
        }
        return [.report(.heartbeat)] + backOff(retryMs)
    }
}
