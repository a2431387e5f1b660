import Testing
import YiwangCore

/// Every number the hub's batch rules read, at its extremes: no trap, a saturated or refused answer.
@Suite struct BatchPlanExtremesTests {
    @Test(
        arguments: [
            (UInt64.max, UInt64(0), true), (UInt64(0), UInt64.max, false), (UInt64(1), UInt64(0), false),
            (UInt64(2), UInt64(0), true), (UInt64.max, UInt64.max - 1, false), (UInt64.max, UInt64.max - 2, true),
            (UInt64(0), UInt64(0), false),
        ])
    func gapsAtTheEndsOfTheSequence(_ firstSeq: UInt64, _ highWater: UInt64, _ gap: Bool) {
        #expect(BatchPlan.isGap(firstSeq: firstSeq, highWater: highWater) == gap)
    }

    @Test func aHighWaterAtTheTopTakesEveryResendAsADuplicate() throws {
        let change = Change(seq: .max, version: Plan.version(Plan.node, .max))
        let plan = try Plan.plan(
            Plan.batch([change]), node: Plan.bookkeeping(highWater: .max),
            prefetched: BatchPrefetch(resentRecords: [.max: .version(AppliedDetail(change.version))]))
        #expect(Plan.words(plan) == ["duplicate"])
        #expect(plan.ack.highWater == .max && plan.ack.expectedSeq == nil)
        let skipped = try Plan.plan(
            Plan.batch([], firstSeq: .max, skip: SkipMark(reason: "r")), node: Plan.bookkeeping(highWater: .max))
        #expect(skipped.skipped == nil)
    }

    @Test func theLastSequenceCanBeTakenAndSkipped() throws {
        let change = Change(seq: .max, version: Plan.version(Plan.node, .max))
        let plan = try Plan.plan(Plan.batch([change]), node: Plan.bookkeeping(highWater: .max - 1))
        #expect(Plan.words(plan) == ["applied"] && plan.ack.highWater == .max)
        let skipped = try Plan.plan(
            Plan.batch([], firstSeq: .max, skip: SkipMark(reason: "r")), node: Plan.bookkeeping(highWater: .max - 1))
        #expect(skipped.skipped?.seq == .max && skipped.ack.highWater == .max)
        let gap = try Plan.plan(Plan.batch([change]), node: Plan.bookkeeping(highWater: .max - 2))
        #expect(gap.ack.expectedSeq == UInt64.max - 1)
    }

    @Test func countersAtTheTopSaturate() throws {
        var node = Plan.bookkeeping()
        node.changesApplied = .max
        node.conflicts = .max
        node.rejectedChanges = .max
        let theirs = Plan.version(Plan.other, 1, key: "k1", hlc: Plan.now - 10)
        var bad = Plan.version(Plan.node, 2, key: "b")
        bad.dataset = "finance"
        let batch = Plan.batch(
            [Change(seq: 1, version: Plan.version(Plan.node, 1, key: "k1")), Change(seq: 2, version: bad)],
            report: Plan.report(backlog: .max, quarantined: .max))
        let plan = try Plan.plan(batch, node: node, prefetched: BatchPrefetch(records: Plan.states(theirs)))
        #expect(Plan.words(plan) == ["conflict", "refuse:unknown_dataset"])
        #expect(plan.node.changesApplied == .max && plan.node.conflicts == .max && plan.node.rejectedChanges == .max)
        #expect(plan.node.quarantined == .max)  // the report's count plus this batch's refusal
        #expect(plan.node.backlog == UInt64.max - 2)
        var skipping = Plan.bookkeeping(highWater: 4)
        skipping.rejectedChanges = .max
        let skip = try Plan.plan(Plan.batch([], firstSeq: 5, skip: SkipMark(reason: "r")), node: skipping)
        #expect(skip.node.rejectedChanges == .max)
    }

    @Test(
        arguments: [
            (Int64.max, Int64?.some(.max), Int64?.some(.max)), (Int64.min, Int64?.some(.min), Int64?.some(.min)),
            (Int64(0), Int64?.some(.max), Int64?.some(.min)), (Int64.max, Int64?.none, Int64?.some(.max)),
        ])
    func reportTimesAtTheEndsOfInt64StayWithinTheHubsClock(_ clockMs: Int64, _ pending: Int64?, _ skew: Int64?) throws {
        let report = Plan.report(
            backlog: 1, oldestPendingMs: pending, oldestAfterBatchMs: pending, clockMs: clockMs, quarantined: 1,
            oldestQuarantinedMs: pending, clockSkewMs: skew)
        for batch in [
            Plan.batch([], firstSeq: 1, report: report),
            Plan.batch(Plan.changes(count: 1), report: report),
            Plan.batch(Plan.changes(from: 9, count: 1), report: report),
        ] {
            let plan = try Plan.plan(batch)
            #expect(abs(plan.node.clockOffsetMs) <= Millis.maxWallMs)
            for time in [plan.node.oldestPendingMs, plan.node.oldestQuarantinedMs, plan.node.dataAsOfMs] {
                if let time { #expect((0...Plan.now).contains(time)) }
            }
        }
    }

    @Test(arguments: [Int64.min, Int64(0), Int64.max])
    func theHubsClockAtItsEndsNeverTraps(_ now: Int64) throws {
        let held = Plan.version(Plan.node, 2, key: "h", hlc: Millis.maxHLCWallMs, extra: [Plan.other: 1])
        let batch = Plan.batch(
            [Change(seq: 1, version: Plan.version(Plan.node, 1, hlc: 0)), Change(seq: 2, version: held)],
            report: Plan.report(backlog: 2, oldestPendingMs: 0, clockMs: Millis.maxWallMs, clockSkewMs: .min))
        let plan = try Plan.plan(batch, rules: Plan.rules(now: now))
        #expect(plan.ack.highWater == 2 && plan.ack.hubClockMs == now)
        if case .hold(let hold) = plan.decisions[1].action { #expect(hold.dataMs <= now) }
    }

    @Test(arguments: [Int64.min, Int64(-1), Int64(0), Int64.max])
    func anyClockAheadLimitIsAppliedWithoutTrapping(_ limit: Int64) throws {
        let limits = HubBatchRules.Limits(maxClockAheadMs: limit, maxHeldPerNode: 1, maxHeldBytesPerNode: 1)
        let versions = [
            Plan.version(Plan.node, 1, hlc: 0), Plan.version(Plan.node, 2, key: "j", hlc: Millis.maxHLCWallMs),
        ]
        let plan = try Plan.plan(
            Plan.batch(versions.map { Plan.change($0) }), rules: Plan.rules(now: Plan.now, limits: limits))
        #expect(plan.decisions.count == 2)
        #expect(Plan.word(plan.decisions[1].action) == (limit == .max ? "applied" : "refuse:clock_ahead"))
    }

    @Test(arguments: [Int.min, -1, 0, Int.max])
    func heldBoundsAndUsageAtTheirEndsRefuseInsteadOfTrapping(_ bound: Int) throws {
        let limits = HubBatchRules.Limits(maxClockAheadMs: 300_000, maxHeldPerNode: bound, maxHeldBytesPerNode: bound)
        let version = Plan.version(Plan.node, 1, extra: [Plan.other: .max])
        for usage in [HeldUsage(count: .max, bytes: .max), HeldUsage(count: .min, bytes: .min), HeldUsage.none] {
            let plan = try Plan.plan(
                Plan.batch([Plan.change(version)]), rules: Plan.rules(limits: limits),
                prefetched: BatchPrefetch(heldUsage: usage))
            let word = Plan.word(plan.decisions[0].action)
            #expect(word == "hold:430200@\(UInt64.max)" || word == "refuse:held_limit")
            if bound <= 0 || usage.count == .max { #expect(word == "refuse:held_limit") }
        }
    }

    @Test func vectorCountersAtTheTopAreJudgedNotTrapped() throws {
        let version = Plan.version(Plan.node, .max, extra: [Plan.other: .max, Plan.far: .max])
        let plan = try Plan.plan(
            Plan.batch([Change(seq: .max, version: version)]), node: Plan.bookkeeping(highWater: .max - 1),
            prefetched: BatchPrefetch(highWaters: [Plan.other: .max, Plan.far: .max]))
        #expect(Plan.words(plan) == ["applied"])
        let release = HeldRelease(
            [Change(seq: .max, version: version)], origin: Plan.bookkeeping(highWater: .max), releasing: Plan.other,
            through: .max, rules: Plan.rules(),
            prefetched: HeldRelease.Prefetch(highWaters: [Plan.far: .max], heldCount: .max))
        #expect(release.decisions.map { Plan.word($0.action) } == ["applied"])
    }
}
