import Testing
import YiwangCore
import YiwangTesting

/// Every event in every state: whatever arrives, and in whatever order, the machine answers with reports
/// followed by exactly one action to run, so the service never stalls and never traps.
@Suite struct UplinkMachineEveryEventTests {
    typealias H = UplinkHarness

    static let events: [Event] = [
        .cursorLoaded(ackedThrough: 3), .pruned, .ackRecorded, .read(H.read(1, count: 2, backlog: 9)),
        .read(H.read(1, count: 0)), .read(H.read(1, count: 1, held: "refused")), .woke(byWrite: true),
        .woke(byWrite: false), .answered(.notAnAck, readAhead: nil),
        .answered(.status(400, reason: "r", detail: "d"), readAhead: nil),
        .answered(.ack(SyncAck(highWater: 1, expectedSeq: nil, rejected: [], hubClockMs: 1_800_000_000_000)), readAhead: nil),
        .answered(.ack(SyncAck(highWater: 0, expectedSeq: 1, rejected: [], hubClockMs: 1_800_000_000_000)), readAhead: nil),
        .quarantined, .reissued(ackThrough: 1, message: "m"), .statusAnswered(nil),
        .failed(UplinkFailure(message: "storage: busy", reachable: true)),
    ]

    /// A harness in each state the machine can wait in.
    static let states: [String: H] = {
        var states: [String: H] = [:]
        var h = H()
        h.start()
        states["loading the cursor"] = h
        h.on(.cursorLoaded(ackedThrough: 0))
        states["pruning"] = h
        h.on(.pruned)
        states["reading"] = h
        var idle = h
        idle.on(.read(H.read(1, count: 0)))
        idle.on(idle.ack(0))
        states["recording"] = idle
        idle.on(.ackRecorded)
        idle.on(.read(H.read(1, count: 0)))
        states["waiting for work"] = idle
        var lingering = idle
        lingering.on(.woke(byWrite: true))
        states["lingering"] = lingering
        var sending = h
        sending.on(.read(H.read(1, count: 1)))
        states["sending"] = sending
        var failing = sending
        failing.on(.failed(UplinkFailure(message: "transport_error: down", reachable: false)))
        states["reporting status"] = failing
        failing.on(.statusAnswered(nil))
        states["backing off"] = failing
        var quarantining = sending
        for _ in 0..<2 {
            quarantining.on(H.refusal())
            quarantining.on(.woke(byWrite: false))
            quarantining.on(.read(H.read(1, count: 1)))
        }
        quarantining.on(H.refusal())
        states["quarantining"] = quarantining
        var reissuing = H.running()
        reissuing.on(.read(H.read(1, count: 2)))
        reissuing.on(reissuing.ack(2, rejected: [.init(seq: 1, error: "sequence_reused", message: "m")]))
        states["re-issuing"] = reissuing
        return states
    }()

    @Test("the harness reaches every state it names")
    func statesAreReached() {
        #expect(Self.states["quarantining"]?.next == .quarantine(seq: 1, reason: "malformed_batch: refused"))
        guard case .reissue = Self.states["re-issuing"]?.next else {
            Issue.record("not re-issuing")
            return
        }
        #expect(Self.states["lingering"]?.next == .wait(ms: 20, wakeOnWrite: false))
        #expect(Self.states["backing off"]?.next.map { if case .wait(_, false) = $0 { true } else { false } } == true)
    }

    @Test("every event in every state ends in exactly one action to run", arguments: states.keys.sorted())
    func everyEvent(_ state: String) {
        for event in Self.events {
            var h = Self.states[state]!
            let actions = h.on(event)
            let runs = actions.filter { if case .report = $0 { false } else { true } }
            #expect(runs.count == 1, "\(state), \(event): \(actions)")
            if case .report = actions.last { Issue.record("\(state), \(event): ends with a report") }
        }
    }
}
