import YiwangCore
import YiwangTesting

typealias Action = UplinkAction<String>
typealias Event = UplinkEvent<String>

/// Drives an `UplinkMachine` by hand: events in at the manual clock's time, actions out. The batch payload
/// is a label, so a test sees which read is sent.
struct UplinkHarness {
    static let settings = UplinkMachine<String>.Settings(
        maxBatchChanges: 8, heartbeatIntervalMs: 5_000, lingerMs: 20, refusedBatchAttempts: 3,
        retentionMs: 86_400_000, backoff: Backoff(baseMs: 250, capMs: 30_000))

    var machine: UplinkMachine<String>
    let clock = ManualClock()
    /// The actions of the last call.
    var actions: [Action] = []

    init(settings: UplinkMachine<String>.Settings = Self.settings, seed: UInt64 = 7) {
        machine = UplinkMachine(settings: settings, seed: seed)
    }

    var now: Int64 { clock.nowMs() }

    @discardableResult
    mutating func start() -> [Action] {
        actions = machine.start(nowMs: now)
        return actions
    }

    @discardableResult
    mutating func on(_ event: Event) -> [Action] {
        actions = machine.handle(event, nowMs: now)
        return actions
    }

    /// The action to run next (the last one returned).
    var next: Action? { actions.last }

    /// The reports among the last actions.
    var notes: [UplinkNote] {
        actions.compactMap {
            if case .report(let note) = $0 { return note }
            return nil
        }
    }

    var failure: (UplinkFailure, retryMs: Int64)? {
        for note in notes { if case .attemptFailed(let failure, let retry) = note { return (failure, retry) } }
        return nil
    }

    /// Started with the hub known to hold through `ackedThrough`, pruned: the first read is due.
    static func running(ackedThrough: UInt64 = 0, settings: UplinkMachine<String>.Settings = Self.settings)
        -> UplinkHarness
    {
        var harness = UplinkHarness(settings: settings)
        harness.start()
        harness.on(.cursorLoaded(ackedThrough: ackedThrough))
        harness.on(.pruned)
        return harness
    }

    /// `count` entries from `first`, `backlog` pending in all.
    static func read(
        _ first: UInt64, count: Int, backlog: UInt64? = nil, held: String? = nil, storedFrom: UInt64? = nil
    ) -> OutboxRead<String> {
        OutboxRead(
            batch: "\(first)+\(count)", firstSeq: first, lastSeq: count > 0 ? first + UInt64(count - 1) : nil,
            count: count, backlog: backlog ?? UInt64(count), held: held, storedFrom: storedFrom)
    }

    func ack(_ highWater: UInt64, expected: UInt64? = nil, rejected: [SyncAck.Rejection] = []) -> Event {
        .answered(
            .ack(SyncAck(highWater: highWater, expectedSeq: expected, rejected: rejected, hubClockMs: now)),
            readAhead: nil)
    }

    static func refusal(_ status: Int = 400) -> Event {
        .answered(.status(status, reason: "malformed_batch: refused", detail: "{}"), readAhead: nil)
    }
}
