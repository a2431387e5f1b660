extension UplinkMachine {
    /// The hub's answer to a batch, a heartbeat or a skip mark.
    mutating func answered(_ sent: InFlight, _ answer: HubAnswer, readAhead: OutboxRead<Batch>?, nowMs: Int64)
        -> [UplinkAction<Batch>]
    {
        switch answer {
        case .notAnAck:
            let why = "the hub answered 200 with a body that is not a sync acknowledgement"
            return fail(UplinkFailure(message: YiwangError.transport(why).description, reachable: false), nowMs: nowMs)
        case .status(let status, let reason, _) where (status == 400 || status == 413) && sent.count > 0:
            return refused(sent, reason: reason, nowMs: nowMs)
        case .status(let status, _, let detail):
            let why = "the hub answered \(status): \(detail)"
            return fail(
                UplinkFailure(message: YiwangError.unavailable(why).description, reachable: true), nowMs: nowMs,
                notes: [.report(.hubFailed(status: status))])
        case .ack(let ack):
            return acknowledged(sent, ack, readAhead: readAhead, nowMs: nowMs)
        }
    }

    mutating func acknowledged(_ sent: InFlight, _ ack: SyncAck, readAhead: OutboxRead<Batch>?, nowMs: Int64)
        -> [UplinkAction<Batch>]
    {
        let verdict = AckCheck(sentThrough: sentThrough, firstSeq: sent.firstSeq, lastSeq: sent.lastSeq).check(ack)
        if case .refuse(let why) = verdict { return distrusted(why, nowMs: nowMs) }
        lastContactMs = nowMs
        failures = 0
        var actions: [UplinkAction<Batch>] = [.report(.reached(atMs: nowMs, hubClockMs: ack.hubClockMs))]
        switch verdict {
        case .refuse:
            return []  // handled above
        case .rewind(let expected):
            actions.append(.report(.rewound(firstSeq: sent.firstSeq, expectedSeq: expected)))
            if sent.skip, expected == sent.firstSeq {
                return fail(Self.skipNotTaken(sent.firstSeq, holds: expected - 1), nowMs: nowMs, notes: actions)
            }
            phase = .recording(.rewound(expectedSeq: expected))
            return actions + [.recordAck(AckRecord(through: expected - 1, atMs: nowMs, heldThrough: ack.heldThrough))]
        case .accept(let highWater, let rejected, let problem):
            if sent.skip {
                // The hub records the refusal itself: what it says about `firstSeq` is no news.
                guard highWater >= sent.firstSeq else {
                    return fail(Self.skipNotTaken(sent.firstSeq, holds: highWater), nowMs: nowMs, notes: actions)
                }
                phase = .recording(.skipTaken(sent, highWater: highWater, problem: problem))
                return actions + [.recordAck(AckRecord(through: highWater, atMs: nowMs, heldThrough: ack.heldThrough))]
            }
            if let reissue = reissue(for: sent, ack, kept: rejected, nowMs: nowMs) {
                phase = .reissuing(reissue)
                return actions + [.reissue(reissue)]
            }
            if rejected.isEmpty, sent.count > 0, problem == nil {
                // Recorded while the next batch travels and the hub applies it. If that fails, the next
                // acknowledgement covers these entries too (acks are cumulative); until then they are pending
                // here, and at worst sent again, which the hub ignores as duplicates.
                deferredRecord = AckRecord(through: highWater, atMs: nowMs, heldThrough: ack.heldThrough)
                return actions
                    + finishAccept(sent, highWater: highWater, rejected: [], problem: nil, readAhead: readAhead,
                        nowMs: nowMs)
            }
            phase = .recording(
                .accepted(sent, highWater: highWater, rejected: rejected, problem: problem, readAhead: readAhead))
            return actions + [
                .recordAck(AckRecord(through: highWater, rejected: rejected, atMs: nowMs, heldThrough: ack.heldThrough))
            ]
        }
    }

    /// The acknowledgement is recorded (or deferred): move the cursor, restore the batch size, report.
    mutating func finishAccept(
        _ sent: InFlight, highWater: UInt64, rejected: [SyncAck.Rejection], problem: String?,
        readAhead: OutboxRead<Batch>?, nowMs: Int64
    ) -> [UplinkAction<Batch>] {
        var actions: [UplinkAction<Batch>] = []
        // After the ack is recorded (which clears the last error), so that the error stays.
        if let problem { actions.append(.report(.distrusted(problem, asLastError: true))) }
        cursor = highWater.saturatingAdd(1)
        refusals = 0
        batchLimit = batchLimit > settings.maxBatchChanges / 2 ? settings.maxBatchChanges : batchLimit * 2
        if sent.count == 0 {
            actions.append(.report(.heartbeat))
        } else {
            actions.append(
                .report(.acknowledged(firstSeq: sent.firstSeq, count: sent.count, highWater: highWater, rejected: rejected)))
        }
        if let readAhead, readAhead.firstSeq == cursor { prepared = readAhead }
        return actions + decide(nowMs: nowMs)
    }

    /// The recovery from reused sequences, when the hub refused some of the batch as `sequence_reused` (this
    /// node's data was restored from an older copy and its new writes reuse numbers the hub holds): only the
    /// sequences this batch carried, up to the hub's high water as it claims it (the re-issue goes above it).
    func reissue(for sent: InFlight, _ ack: SyncAck, kept: [SyncAck.Rejection], nowMs: Int64) -> UplinkReissue? {
        guard sent.count > 0, let last = sent.lastSeq else { return nil }
        let code = YiwangError.Code.sequenceReused.rawValue
        let carried = sent.firstSeq...last
        let reused = ack.rejected.filter { $0.error == code && $0.seq <= ack.highWater && carried.contains($0.seq) }
            .map(\.seq)
        guard !reused.isEmpty else { return nil }
        return UplinkReissue(
            firstSeq: sent.firstSeq, reused: reused, batchLastSeq: min(last, ack.highWater),
            hubHighWater: ack.highWater, others: kept.filter { $0.error != code }, atMs: nowMs,
            heldThrough: ack.heldThrough)
    }

    /// The writes are re-issued: record what the hub is taken to hold and the other refusals.
    mutating func reissued(_ reissue: UplinkReissue, ackThrough: UInt64, message: String) -> [UplinkAction<Batch>] {
        phase = .recording(.reissued(ackThrough: ackThrough, message: message))
        return [
            .recordAck(
                AckRecord(
                    through: ackThrough, rejected: reissue.others, atMs: reissue.atMs,
                    heldThrough: reissue.heldThrough))
        ]
    }

    /// A whole batch refused (400/413): retry a few times, then halve it; a single change still refused is
    /// quarantined here so it never blocks the entries behind it.
    mutating func refused(_ sent: InFlight, reason: String, nowMs: Int64) -> [UplinkAction<Batch>] {
        lastContactMs = nowMs
        refusals += 1
        let note = UplinkAction<Batch>.report(.refused(firstSeq: sent.firstSeq, count: sent.count, reason: reason))
        guard refusals >= settings.refusedBatchAttempts else {
            let why = "the hub refused batch \(sent.firstSeq): \(reason)"
            return fail(UplinkFailure(message: YiwangError.unavailable(why).description, reachable: true),
                nowMs: nowMs, notes: [note])
        }
        refusals = 0
        if sent.count > 1 {
            batchLimit = max(1, sent.count / 2)
            return [note] + decide(nowMs: nowMs)
        }
        phase = .quarantining(seq: sent.firstSeq, reason: reason)
        return [note, .quarantine(seq: sent.firstSeq, reason: reason)]
    }

    static func skipNotTaken(_ seq: UInt64, holds: UInt64) -> UplinkFailure {
        let why = "the hub did not take the skip mark for seq \(seq) (it holds through \(holds)); is it older "
            + "than protocol 2? See /v1/quarantine"
        return UplinkFailure(message: YiwangError.unavailable(why).description, reachable: true)
    }
}
