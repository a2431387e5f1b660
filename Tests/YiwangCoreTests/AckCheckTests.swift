import Testing
import YiwangCore

/// The hub's acknowledgement is believed only as far as the node can check it (issue 13, class 3).
@Suite struct AckCheckTests {
    func ack(_ highWater: UInt64, expected: UInt64? = nil, rejected: [UInt64] = [], clock: Int64 = 0) -> SyncAck {
        SyncAck(
            highWater: highWater, expectedSeq: expected,
            rejected: rejected.map { .init(seq: $0, error: "e", message: "m") }, hubClockMs: clock)
    }

    @Test("the ack rules, case by case")
    func ackRules() {
        let check = AckCheck(sentThrough: 10, firstSeq: 6, lastSeq: 10)
        #expect(check.check(ack(10)) == .accept(highWater: 10, rejected: [], problem: nil))
        #expect(check.check(ack(3)) == .accept(highWater: 3, rejected: [], problem: nil))  // the hub holds less
        guard case .accept(10, [], .some) = check.check(ack(.max)) else { Issue.record("beyond sent"); return }
        #expect(check.check(ack(0, expected: 1)) == .rewind(expectedSeq: 1))
        #expect(check.check(ack(0, expected: 11)) == .rewind(expectedSeq: 11))
        for bad in [0, 12, UInt64.max] {
            guard case .refuse = check.check(ack(0, expected: bad)) else { Issue.record("expected \(bad)"); return }
        }
        for clock in [Int64.min, -1, Millis.maxWallMs + 1, .max] {
            guard case .refuse = check.check(ack(10, clock: clock)) else { Issue.record("clock \(clock)"); return }
        }
        guard case .accept(10, let kept, .some) = check.check(ack(10, rejected: [7, 5, 11, .max])) else {
            Issue.record("stray rejections")
            return
        }
        #expect(kept.map(\.seq) == [7])
        let heartbeat = AckCheck(sentThrough: .max, firstSeq: 1, lastSeq: nil)
        #expect(heartbeat.check(ack(.max, expected: .max)) == .rewind(expectedSeq: .max))
    }

    @Test("a heartbeat's acknowledgement keeps no rejection")
    func heartbeatRejections() {
        let check = AckCheck(sentThrough: 4, firstSeq: 5, lastSeq: nil)
        guard case .accept(4, let kept, .some) = check.check(ack(4, rejected: [4, 5])) else {
            Issue.record("heartbeat")
            return
        }
        #expect(kept.isEmpty)
    }
}
