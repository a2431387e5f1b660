import Testing
import YiwangCore
import YiwangTesting

/// Failures (transport, hub errors, hostile acknowledgements), the backoff and the status-only heartbeat
/// while failing, and the recovery from reused sequences.
@Suite struct UplinkMachineFailureTests {
    typealias H = UplinkHarness

    /// A running uplink with `count` entries from 1 on their way to the hub.
    static func sending(_ count: Int = 2) -> H {
        var h = H.running()
        h.on(.read(H.read(1, count: count)))
        return h
    }

    static let hostile: [(SyncAck, believed: Bool)] = [
        (SyncAck(highWater: .max, expectedSeq: nil, rejected: [], hubClockMs: 0), true),
        (SyncAck(highWater: 1 << 63, expectedSeq: nil, rejected: [], hubClockMs: 0), true),
        (SyncAck(highWater: 0, expectedSeq: 0, rejected: [], hubClockMs: 0), false),
        (SyncAck(highWater: 0, expectedSeq: .max, rejected: [], hubClockMs: 0), false),
        (SyncAck(highWater: 0, expectedSeq: UInt64(Int64.max), rejected: [], hubClockMs: 0), false),
        (SyncAck(highWater: 1, expectedSeq: nil, rejected: [.init(seq: .max, error: "x", message: "y")], hubClockMs: 0), true),
        (SyncAck(highWater: 1, expectedSeq: nil, rejected: [.init(seq: 0, error: "x", message: "y")], hubClockMs: 0), true),
        (SyncAck(highWater: 1, expectedSeq: nil, rejected: [], hubClockMs: .min), false),
        (SyncAck(highWater: 1, expectedSeq: nil, rejected: [], hubClockMs: .max), false),
    ]

    @Test("a hostile acknowledgement: refused whole, or believed only as far as sent, and reported", arguments: hostile)
    func hostileAck(_ ack: SyncAck, believed: Bool) {
        var h = Self.sending(2)
        h.on(.answered(.ack(ack), readAhead: nil))
        guard believed else {
            #expect(h.notes.first.map { if case .distrusted(_, false) = $0 { true } else { false } } == true)
            #expect(h.failure?.0.message.contains("ack") == true)
            #expect(h.next == .sendStatus(firstSeq: 1), "never in contact: a status beat is due")
            #expect(h.machine.cursor == 1)
            return
        }
        guard case .recordAck(let record) = h.next else {
            Issue.record("no record")
            return
        }
        #expect(record.through <= 2 && record.rejected.isEmpty)
        let after = h.on(.ackRecorded)
        #expect(after.contains { if case .report(.distrusted(_, true)) = $0 { true } else { false } })
        #expect(h.machine.cursor == record.through + 1)
    }

    @Test("a transport failure backs off; a status-only heartbeat goes out when one is due")
    func transportFailureAndStatusBeat() {
        var h = Self.sending()
        let down = UplinkFailure(message: "transport: connection refused", reachable: false)
        h.on(.failed(down))
        let retry = h.failure?.retryMs ?? -1
        #expect(h.failure?.0 == down && (125...250).contains(retry))
        #expect(h.next == .sendStatus(firstSeq: 1))
        #expect(h.on(.statusAnswered(nil)) == [.wait(ms: retry, wakeOnWrite: false)])
        #expect(h.on(.woke(byWrite: false)) == [.read(from: 1, limit: 8)])
        h.on(.read(H.read(1, count: 2)))
        h.on(.failed(down))
        #expect(h.next == .sendStatus(firstSeq: 1))
        let second = h.failure?.retryMs ?? -1
        #expect((250...500).contains(second))
        let answer = SyncAck(highWater: 0, expectedSeq: nil, rejected: [], hubClockMs: h.now)
        #expect(h.on(.statusAnswered(answer)) == [.report(.heartbeat), .wait(ms: second, wakeOnWrite: false)])
        #expect(h.machine.lastContactMs == h.now)
        #expect(h.machine.failures == 2, "the status beat does not reset the backoff")
        h.on(.woke(byWrite: false))
        h.on(.read(H.read(1, count: 2)))
        h.on(.failed(down))
        #expect(h.next == .wait(ms: h.failure?.retryMs ?? -1, wakeOnWrite: false), "in contact: no status beat")
    }

    @Test("a status beat's rewind is taken, its record best effort")
    func statusBeatRewind() {
        var h = H.running(ackedThrough: 10)
        h.on(.read(H.read(11, count: 2)))
        h.on(.failed(UplinkFailure(message: "transport: timeout", reachable: false)))
        let retry = h.failure?.retryMs ?? -1
        let rewind = SyncAck(highWater: 5, expectedSeq: 6, rejected: [], hubClockMs: h.now)
        #expect(h.on(.statusAnswered(rewind)) == [.report(.heartbeat), .recordAck(AckRecord(through: 5, atMs: h.now))])
        #expect(h.on(.failed(UplinkFailure(message: "storage: busy", reachable: true))) == [.wait(ms: retry, wakeOnWrite: false)])
        #expect(h.machine.cursor == 6)
        let hostile = SyncAck(highWater: 0, expectedSeq: .max, rejected: [], hubClockMs: h.now)
        var other = H.running(ackedThrough: 10)
        other.on(.read(H.read(11, count: 2)))
        other.on(.failed(UplinkFailure(message: "transport: timeout", reachable: false)))
        other.on(.statusAnswered(hostile))
        #expect(other.notes.count == 1 && other.machine.cursor == 11, "a rewind past what was sent is not taken")
    }

    @Test("the backoff grows with jitter, capped, and resets on the next acknowledgement")
    func backoff() {
        var h = Self.sending()
        var ceiling: Int64 = 250
        for _ in 0..<10 {
            h.on(.failed(UplinkFailure(message: "transport: refused", reachable: false)))
            if case .sendStatus = h.next { h.on(.statusAnswered(nil)) }
            let retry: Int64 = h.actions.last.flatMap { action -> Int64? in if case .wait(let ms, false) = action { ms } else { nil } } ?? -1
            #expect((ceiling / 2...ceiling).contains(retry))
            ceiling = min(30_000, ceiling * 2)
            h.on(.woke(byWrite: false))
            h.on(.read(H.read(1, count: 2)))
        }
        h.on(h.ack(2))
        #expect(h.machine.failures == 0)
    }

    @Test("hub errors: another status, a body that is no acknowledgement")
    func hubErrors() {
        var h = Self.sending()
        h.on(.answered(.status(503, reason: "HTTP 503", detail: "busy"), readAhead: nil))
        #expect(h.notes.first == .hubFailed(status: 503))
        #expect(h.failure?.0 == UplinkFailure(message: "unavailable: the hub answered 503: busy", reachable: true))
        var garbled = Self.sending()
        garbled.on(.answered(.notAnAck, readAhead: nil))
        #expect(garbled.failure?.0.reachable == false)
        #expect(garbled.failure?.0.message.hasPrefix("transport_error:") == true)
    }

    @Test("the deferred acknowledgement is recorded before a failure is acted on")
    func deferredRecordBeforeFailure() {
        var h = Self.sending()
        h.clock.advance(ms: 60_000)
        h.on(h.ack(2))
        #expect(h.next == .prune(ackedBeforeMs: h.now - 86_400_000))
        h.on(.failed(UplinkFailure(message: "storage: disk full", reachable: true)))
        #expect(h.actions == [.recordAck(AckRecord(through: 2, atMs: h.now))])
        h.on(.failed(UplinkFailure(message: "storage: still full", reachable: true)))
        #expect(h.failure?.0.message == "storage: disk full", "the record's own failure is not the attempt's")
    }

    @Test("sequences the hub holds other changes under are re-issued, then the rest is recorded")
    func reissue() {
        var h = Self.sending(4)
        let reused = SyncAck.Rejection(seq: 2, error: "sequence_reused", message: "held")
        let other = SyncAck.Rejection(seq: 3, error: "invalid_field", message: "bad")
        let stray = SyncAck.Rejection(seq: 9, error: "sequence_reused", message: "not sent")
        h.on(h.ack(100, rejected: [reused, other, stray]))
        #expect(
            h.next
                == .reissue(
                    UplinkReissue(
                        firstSeq: 1, reused: [2], batchLastSeq: 4, hubHighWater: 100, others: [other], atMs: h.now,
                        heldThrough: nil)))
        #expect(h.on(.reissued(ackThrough: 100, message: "m")) == [.recordAck(AckRecord(through: 100, rejected: [other], atMs: h.now))])
        #expect(h.on(.ackRecorded) == [.report(.lastError("m")), .read(from: 101, limit: 8)])
    }

    @Test("a re-issue through a city keeps what the province holds: the county prunes nothing only the city holds")
    func reissueThroughARelayKeepsHeldThrough() {
        var h = Self.sending(4)
        let reused = SyncAck.Rejection(seq: 2, error: "sequence_reused", message: "held")
        var ack = SyncAck(highWater: 100, expectedSeq: nil, rejected: [reused], hubClockMs: h.now)
        ack.heldThrough = 1  // relayed through 100, the province holds only 1
        h.on(.answered(.ack(ack), readAhead: nil))
        guard case .reissue(let reissue) = h.next else {
            Issue.record("expected a re-issue, got \(String(describing: h.next))")
            return
        }
        #expect(reissue.heldThrough == 1)
        #expect(
            h.on(.reissued(ackThrough: 100, message: "m"))
                == [.recordAck(AckRecord(through: 100, atMs: h.now, heldThrough: 1))])
    }
}
