import Testing
import YiwangCore
import YiwangTesting

/// Whole-batch refusals (retry, halve, quarantine, restore) and the skip mark that keeps a change refused
/// that way from pinning the hub's high water.
@Suite struct UplinkMachineRefusalTests {
    typealias H = UplinkHarness
    static let reason = "malformed_batch: refused"

    /// Sends the batch the last action asked to read (`count` entries from `first`) and has the hub refuse
    /// it whole `settings.refusedBatchAttempts` times.
    func refuseThrice(_ h: inout H, first: UInt64, count: Int) {
        for attempt in 1...3 {
            #expect(h.next == .read(from: first, limit: h.machine.batchLimit))
            h.on(.read(H.read(first, count: count)))
            h.on(H.refusal())
            #expect(h.notes.first == .refused(firstSeq: first, count: count, reason: Self.reason))
            if attempt < 3 {
                #expect(h.failure?.0.message.contains("the hub refused batch \(first)") == true)
                #expect(h.next == .wait(ms: h.failure?.retryMs ?? -1, wakeOnWrite: false), "contact: no status beat")
                h.on(.woke(byWrite: false))
            }
        }
    }

    @Test("a batch refused whole is retried, then halved until the bad change is alone, then quarantined")
    func halvingToQuarantine() {
        var h = H.running()
        refuseThrice(&h, first: 1, count: 8)
        #expect(h.machine.batchLimit == 4)
        refuseThrice(&h, first: 1, count: 4)
        refuseThrice(&h, first: 1, count: 2)
        #expect(h.machine.batchLimit == 1)
        #expect(h.next == .read(from: 1, limit: 1))
        h.on(.read(H.read(1, count: 1)))
        h.on(H.refusal(413))
        h.on(.woke(byWrite: false))
        h.on(.read(H.read(1, count: 1)))
        h.on(H.refusal())
        h.on(.woke(byWrite: false))
        h.on(.read(H.read(1, count: 1)))
        #expect(
            h.on(H.refusal())
                == [.report(.refused(firstSeq: 1, count: 1, reason: Self.reason)),
                    .quarantine(seq: 1, reason: Self.reason)])
        #expect(
            h.on(.quarantined) == [.report(.quarantined(seq: 1, reason: Self.reason)), .read(from: 1, limit: 8)],
            "the limit is restored; the cursor stays until the hub takes the skip mark")
    }

    @Test("a quarantined change at the cursor is skipped: the hub takes the mark, the uplink goes on past it")
    func skipMarkAfterQuarantine() {
        var h = H.running()
        h.on(.read(H.read(1, count: 5, held: Self.reason)))
        #expect(h.actions == [.sendSkipMark(seq: 1, SkipMark(reason: Self.reason), figures: "1+5")])
        #expect(h.machine.sentThrough == 1, "an acknowledgement through the skipped seq is believed")
        h.on(h.ack(1, rejected: [.init(seq: 1, error: "x", message: "y")]))
        #expect(h.next == .recordAck(AckRecord(through: 1, atMs: h.now)), "the hub's record of it is no news")
        #expect(h.on(.ackRecorded) == [.report(.skipTaken(seq: 1)), .read(from: 2, limit: 8)])
    }

    @Test("after a restart, a rewind to a seq quarantined here sends its skip mark instead of failing")
    func rewindToQuarantined() {
        // Seq 5 was quarantined here and the cursor moved past it before the restart; the hub holds through 4.
        var restarted = H.running(ackedThrough: 6)
        restarted.on(.read(H.read(7, count: 2)))
        restarted.on(restarted.ack(4, expected: 5))
        #expect(restarted.next == .recordAck(AckRecord(through: 4, atMs: restarted.now)))
        #expect(restarted.on(.ackRecorded) == [.read(from: 5, limit: 8)])
        restarted.on(.read(H.read(5, count: 4, held: "invalid_field: not granted")))
        #expect(restarted.next == .sendSkipMark(seq: 5, SkipMark(reason: "invalid_field: not granted"), figures: "5+4"))
        restarted.on(restarted.ack(5))
        #expect(restarted.on(.ackRecorded) == [.report(.skipTaken(seq: 5)), .read(from: 6, limit: 8)])
    }

    @Test("a hub that does not take the skip mark is an error with backoff, not a loop", arguments: [false, true])
    func skipNotTaken(_ rewinds: Bool) {
        var h = H.running(ackedThrough: 4)
        h.on(.read(H.read(5, count: 1, held: Self.reason)))
        h.on(rewinds ? h.ack(4, expected: 5) : h.ack(4))
        #expect(h.failure?.0.message.contains("did not take the skip mark for seq 5") == true)
        #expect(h.next == .wait(ms: h.failure?.retryMs ?? -1, wakeOnWrite: false))
        #expect(h.machine.cursor == 5)
    }

    @Test("a refused heartbeat or skip mark is a failure, not a refusal to halve", arguments: [400, 413])
    func refusedEmptyBatch(_ status: Int) {
        var h = H.running()
        h.on(.read(H.read(1, count: 0)))
        h.on(H.refusal(status))
        #expect(h.notes.first == .hubFailed(status: status))
        #expect(h.failure?.0.message.contains("the hub answered \(status)") == true)
        #expect(h.machine.refusals == 0)
        var skip = H.running()
        skip.on(.read(H.read(1, count: 1, held: Self.reason)))
        skip.on(H.refusal(status))
        #expect(skip.notes.first == .hubFailed(status: status))
    }

    @Test("after halving, clean acknowledgements double the batch limit back to its maximum")
    func halvedLimitRestores() {
        var h = H.running()
        refuseThrice(&h, first: 1, count: 8)
        refuseThrice(&h, first: 1, count: 4)
        #expect(h.machine.batchLimit == 2)
        for (first, limit) in [(1, 4), (3, 8), (7, 8)] as [(UInt64, Int)] {
            h.on(.read(H.read(first, count: 2)))
            h.on(h.ack(first + 1))
            #expect(h.machine.batchLimit == limit)
            h.on(.ackRecorded)
        }
    }
}
