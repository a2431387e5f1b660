import Testing
import YiwangCore
import YiwangTesting

/// The uplink's rules, transition by transition, without I/O or sleeping: the start, heartbeats on the
/// manual clock, batches with their read-ahead and deferred acknowledgement, rewinds, pruning.
@Suite struct UplinkMachineTests {
    typealias H = UplinkHarness

    @Test("the start loads the cursor, prunes, then reads from the hub's high water + 1")
    func start() {
        var h = H()
        #expect(h.start() == [.loadCursor])
        #expect(h.on(.cursorLoaded(ackedThrough: 10)) == [.prune(ackedBeforeMs: h.now - 86_400_000)])
        #expect(h.on(.pruned) == [.read(from: 11, limit: 8)])
        #expect(h.machine.cursor == 11)
        #expect(h.machine.sentThrough == 10, "what was acknowledged before may be acknowledged again")
    }

    @Test("heartbeats: at once when never in contact, then every interval; a write wakes and lingers")
    func heartbeatTiming() {
        var h = H.running()
        #expect(h.on(.read(H.read(1, count: 0))) == [.send("1+0", UplinkSending())])
        h.clock.advance(ms: 30)
        h.on(h.ack(0))
        #expect(h.notes == [.reached(atMs: h.now, hubClockMs: h.now)])
        #expect(h.next == .recordAck(AckRecord(through: 0, atMs: h.now)))
        #expect(h.on(.ackRecorded) == [.report(.heartbeat), .read(from: 1, limit: 8)])
        #expect(h.on(.read(H.read(1, count: 0))) == [.wait(ms: 5_000, wakeOnWrite: true)])
        h.clock.advance(ms: 2_000)
        #expect(h.on(.woke(byWrite: false)) == [.read(from: 1, limit: 8)])
        #expect(h.on(.read(H.read(1, count: 0))) == [.wait(ms: 3_000, wakeOnWrite: true)])
        #expect(h.on(.woke(byWrite: true)) == [.wait(ms: 20, wakeOnWrite: false)], "a write lingers for more")
        #expect(h.on(.woke(byWrite: false)) == [.read(from: 1, limit: 8)])
        h.clock.advance(ms: 3_000)
        #expect(h.on(.read(H.read(1, count: 0))) == [.send("1+0", UplinkSending())])
    }

    @Test("a batch goes out with the next one read ahead only while more is pending")
    func readAheadWhileMorePending() {
        var h = H.running()
        #expect(
            h.on(.read(H.read(1, count: 8, backlog: 20)))
                == [.send("1+8", UplinkSending(readAhead: ReadAhead(from: 9, limit: 8, sent: 8)))])
        #expect(h.machine.sentThrough == 8)
        var last = H.running()
        #expect(last.on(.read(H.read(1, count: 3))) == [.send("1+3", UplinkSending())])
    }

    @Test("a clean acknowledgement is recorded while the batch read ahead travels")
    func deferredRecordRidesTheNextSend() {
        var h = H.running()
        h.on(.read(H.read(1, count: 8, backlog: 20)))
        h.on(.answered(h.ack(8).hubAnswer, readAhead: H.read(9, count: 8, backlog: 12)))
        #expect(h.notes == [.reached(atMs: h.now, hubClockMs: h.now), .acknowledged(firstSeq: 1, count: 8, highWater: 8, rejected: [])])
        #expect(
            h.next
                == .send(
                    "9+8",
                    UplinkSending(
                        recordFirst: AckRecord(through: 8, atMs: h.now), readAhead: ReadAhead(from: 17, limit: 8, sent: 8))))
        #expect(h.machine.deferredRecord == nil, "handed to the send")
        h.on(h.ack(16))
        #expect(h.next == .recordAck(AckRecord(through: 16, atMs: h.now)), "no batch ready: recorded before reading")
        #expect(h.on(.ackRecorded) == [.read(from: 17, limit: 8)])
    }

    @Test("the batch read ahead is used only if it starts at the cursor the acknowledgement leaves")
    func readAheadOnlyAtTheCursor() {
        var h = H.running()
        h.on(.read(H.read(1, count: 8, backlog: 20)))
        h.on(.answered(h.ack(5).hubAnswer, readAhead: H.read(9, count: 8, backlog: 12)))  // the hub holds less
        #expect(h.machine.cursor == 6)
        #expect(h.next == .recordAck(AckRecord(through: 5, atMs: h.now)))
        #expect(h.on(.ackRecorded) == [.read(from: 6, limit: 8)])
    }

    @Test("a read ahead whose first entry is held here is not sent; the cursor is read afresh")
    func heldReadAheadIsDropped() {
        var h = H.running()
        h.on(.read(H.read(1, count: 8, backlog: 20)))
        h.on(.answered(h.ack(8).hubAnswer, readAhead: H.read(9, count: 8, held: "refused")))
        #expect(h.next == .recordAck(AckRecord(through: 8, atMs: h.now)))
        #expect(h.on(.ackRecorded) == [.read(from: 9, limit: 8)])
    }

    @Test("refused changes are recorded before the uplink goes on, then reported")
    func rejectionsAreRecordedFirst() {
        var h = H.running()
        h.on(.read(H.read(1, count: 8)))
        let refused = SyncAck.Rejection(seq: 3, error: "invalid_field", message: "bad")
        h.on(h.ack(8, rejected: [refused]))
        #expect(h.next == .recordAck(AckRecord(through: 8, rejected: [refused], atMs: h.now)))
        #expect(h.machine.cursor == 1, "not moved before the record is written")
        #expect(
            h.on(.ackRecorded)
                == [.report(.acknowledged(firstSeq: 1, count: 8, highWater: 8, rejected: [refused])),
                    .read(from: 9, limit: 8)])
    }

    @Test("a gap answer rewinds: recorded through expected - 1, then read from expected")
    func rewind() {
        var h = H.running(ackedThrough: 10)
        h.on(.read(H.read(11, count: 5)))
        h.on(h.ack(2, expected: 3))
        #expect(h.notes == [.reached(atMs: h.now, hubClockMs: h.now), .rewound(firstSeq: 11, expectedSeq: 3)])
        #expect(h.next == .recordAck(AckRecord(through: 2, atMs: h.now)))
        #expect(h.on(.ackRecorded) == [.read(from: 3, limit: 8)])
        #expect(h.machine.cursor == 3)
    }

    @Test("a failed record of an acknowledgement fails the attempt and leaves the cursor")
    func failedRecord() {
        var h = H.running()
        h.on(.read(H.read(1, count: 8)))
        h.on(h.ack(8, rejected: [.init(seq: 2, error: "e", message: "m")]))
        h.on(.failed(UplinkFailure(message: "storage: disk full", reachable: true)))
        #expect(h.failure?.0.message == "storage: disk full")
        #expect(h.machine.cursor == 1)
        #expect(h.machine.failures == 1)
    }

    @Test("pruning is due every minute")
    func pruneDue() {
        var h = H.running()
        h.on(.read(H.read(1, count: 0)))
        h.clock.advance(ms: 59_999)
        h.on(h.ack(0))
        #expect(h.on(.ackRecorded).last == .read(from: 1, limit: 8))
        h.on(.read(H.read(1, count: 0)))
        h.clock.advance(ms: 1)
        #expect(h.on(.woke(byWrite: false)) == [.prune(ackedBeforeMs: h.now - 86_400_000)])
        #expect(h.on(.pruned) == [.read(from: 1, limit: 8)])
    }

    @Test("an outbox pruned past the cursor is an error, not a heartbeat")
    func prunedPastTheCursor() {
        var h = H.running(ackedThrough: 4)
        h.on(.read(H.read(5, count: 0, storedFrom: 9)))
        #expect(h.failure?.0.message.contains("holds only from 9 (pruned)") == true)
    }

    @Test("stopping hands back the acknowledgement still to record")
    func stop() {
        var h = H.running()
        h.on(.read(H.read(1, count: 8)))
        h.clock.advance(ms: 60_000)
        h.on(h.ack(8))
        #expect(h.next == .prune(ackedBeforeMs: h.now - 86_400_000), "the record waits for the next read or send")
        #expect(h.machine.stop() == AckRecord(through: 8, atMs: h.now))
        #expect(h.on(.ackRecorded).isEmpty)
    }

    @Test("an event out of order fails the attempt instead of trapping")
    func outOfOrder() {
        var h = H.running()
        h.on(.pruned)
        #expect(h.failure?.0.message.contains("out of order") == true)
    }

    @Test("numbers at their extremes do not trap", arguments: [Int64.min, -1, 0, Int64.max])
    func extremes(_ clockMs: Int64) {
        var h = H()
        h.clock.set(clockMs)
        h.start()
        h.on(.cursorLoaded(ackedThrough: .max))
        h.on(.pruned)
        #expect(h.next == .read(from: .max, limit: 8))
        #expect(h.on(.read(H.read(.max, count: 1, backlog: .max))) == [.send("\(UInt64.max)+1", UplinkSending())])
        h.on(h.ack(.max))
        #expect(h.machine.cursor == .max)
        h.clock.set(clockMs == .max ? .min : .max)
        h.on(.read(H.read(.max, count: 0)))
        #expect(h.next != nil)
    }
}

extension UplinkEvent {
    /// The answer inside an `.answered` event.
    var hubAnswer: HubAnswer {
        if case .answered(let answer, _) = self { return answer }
        return .notAnAck
    }
}
