import Testing
import YiwangCore

/// What a batch's report does to the node's bookkeeping (`BatchPlan`, `NodeBookkeeping+Report`): backlog,
/// oldest pending, data age, quarantine and clock notes, all in the hub's clock.
@Suite struct BatchPlanReportTests {
    @Test func theBacklogLosesWhatTheHubNowHoldsAndNeverGoesBelowZero() throws {
        let plan = try Plan.plan(Plan.batch(Plan.changes(count: 3), report: Plan.report(backlog: 10)))
        #expect(plan.node.backlog == 7)
        let short = try Plan.plan(Plan.batch(Plan.changes(count: 3), report: Plan.report(backlog: 1)))
        #expect(short.node.backlog == 0)
        // A resend counts: the hub holds it.
        let resent = try Plan.plan(
            Plan.batch(Plan.changes(count: 3), report: Plan.report(backlog: 3)), node: Plan.bookkeeping(highWater: 3))
        #expect(resent.node.backlog == 0)
    }

    @Test func aHeartbeatTakesItsOldestPendingElseTheOldestAfterIt() throws {
        let pending = try Plan.plan(
            Plan.batch([], firstSeq: 1, report: Plan.report(backlog: 2, oldestPendingMs: Plan.now - 9_000)))
        #expect(pending.node.oldestPendingMs == Plan.now - 9_000)
        #expect(pending.node.dataAsOfMs == Plan.now - 9_000)
        let after = try Plan.plan(
            Plan.batch([], firstSeq: 1, report: Plan.report(backlog: 2, oldestAfterBatchMs: Plan.now - 4_000)))
        #expect(after.node.oldestPendingMs == Plan.now - 4_000)
        let idle = try Plan.plan(Plan.batch([], firstSeq: 1, report: Plan.report()))
        #expect(idle.node.oldestPendingMs == nil)
        #expect(idle.node.dataAsOfMs == Plan.now)  // nothing pending: the hub holds everything up to now
        #expect(idle.ack.highWater == 0 && idle.decisions.isEmpty && idle.releaseThrough == 0)
    }

    @Test func aCompleteBatchLeavesTheOldestAfterItPending() throws {
        let report = Plan.report(backlog: 5, oldestPendingMs: Plan.now - 9_000, oldestAfterBatchMs: Plan.now - 2_000)
        let plan = try Plan.plan(Plan.batch(Plan.changes(count: 2), report: report))
        #expect(plan.node.oldestPendingMs == Plan.now - 2_000)
        #expect(plan.node.dataAsOfMs == Plan.now - 2_000)
    }

    @Test func nodeTimesAreConvertedToTheHubsClockAndNeverPassNow() throws {
        // The node's clock runs 30 s ahead: its times are 30 s later than the hub's.
        let report = Plan.report(
            backlog: 1, oldestPendingMs: Plan.now - 10_000, oldestAfterBatchMs: Plan.now + 20_000,
            clockMs: Plan.now + 30_000)
        let plan = try Plan.plan(Plan.batch([], firstSeq: 1, report: report))
        #expect(plan.node.clockOffsetMs == 30_000)
        #expect(plan.node.oldestPendingMs == Plan.now - 40_000)
        let future = Plan.report(backlog: 1, oldestPendingMs: Plan.now + 90_000, clockMs: Plan.now)
        #expect(try Plan.plan(Plan.batch([], firstSeq: 1, report: future)).node.oldestPendingMs == Plan.now)
    }

    @Test func theClockOffsetAddsTheNodesOwnSkewAndIsNotedWhileOff() throws {
        let report = Plan.report(clockMs: Plan.now + 1_000, clockSkewMs: 120_000)
        let plan = try Plan.plan(Plan.batch([], firstSeq: 1, report: report))
        #expect(plan.node.clockOffsetMs == 121_000)
        #expect(plan.node.lastError?.hasPrefix("clock 2m ahead of the hub") == true)
        #expect(plan.node.lastErrorAtMs == Plan.now)
        // Fixed: the standing note goes.
        let fixed = try Plan.plan(Plan.batch([], firstSeq: 1, report: Plan.report()), node: plan.node)
        #expect(fixed.node.lastError == nil)
    }

    @Test func quarantinedChangesAtTheNodeAreReportedWithTheLastRefusal() throws {
        let report = Plan.report(backlog: 0, quarantined: 2, oldestQuarantinedMs: Plan.now - 60_000)
        let plan = try Plan.plan(
            Plan.batch([], firstSeq: 1, report: report),
            prefetched: BatchPrefetch(lastRefusal: "unknown_dataset: dataset 'finance' is not granted here (seq 4)"))
        #expect(plan.node.quarantined == 2)
        #expect(plan.node.oldestQuarantinedMs == Plan.now - 60_000)
        #expect(plan.node.dataAsOfMs == Plan.now - 60_000)  // the hub lacks them: data age starts there
        #expect(
            plan.node.lastError
                == "2 change(s) refused by the hub, quarantined at the node "
                + "(last: unknown_dataset: dataset 'finance' is not granted here (seq 4))"
        )
        // Requeued or dropped at the node: the note goes, data age is now.
        let cleared = try Plan.plan(Plan.batch([], firstSeq: 1, report: Plan.report()), node: plan.node)
        #expect(cleared.node.quarantined == 0 && cleared.node.oldestQuarantinedMs == nil)
        #expect(cleared.node.lastError == nil && cleared.node.dataAsOfMs == Plan.now)
    }

    @Test func refusalsOfThisBatchCountAsQuarantinedAndNameTheLastOne() throws {
        var bad = Plan.version(Plan.node, 2, key: "b")
        bad.dataset = "finance"
        let report = Plan.report(backlog: 3, oldestPendingMs: Plan.now - 7_000, quarantined: 1)
        let changes = [Plan.changes(count: 1)[0], Change(seq: 2, version: bad), Plan.changes(from: 3, count: 1)[0]]
        let plan = try Plan.plan(Plan.batch(changes, report: report))
        #expect(plan.node.quarantined == 2)
        #expect(plan.node.oldestQuarantinedMs == Plan.now - 7_000)  // no older than the batch's oldest pending
        #expect(plan.node.lastError == "unknown_dataset: dataset 'finance' is not granted here (seq 2)")
        #expect(plan.node.lastErrorAtMs == Plan.now)
    }

    @Test func aGapStillRecordsTheReportAndTheContact() throws {
        var node = Plan.bookkeeping(highWater: 2)
        node.dataAsOfMs = Plan.now - 100_000
        let idle = try Plan.plan(
            Plan.batch(Plan.changes(from: 9, count: 1), report: Plan.report(backlog: 4)), node: node)
        #expect(idle.node.backlog == 4 && idle.node.lastContactMs == Plan.now)
        #expect(idle.node.dataAsOfMs == Plan.now - 100_000)  // nothing known pending: the data time stays
        let pending = try Plan.plan(
            Plan.batch(
                Plan.changes(from: 9, count: 1), report: Plan.report(backlog: 4, oldestPendingMs: Plan.now - 5_000)),
            node: node)
        #expect(pending.node.oldestPendingMs == Plan.now - 5_000 && pending.node.dataAsOfMs == Plan.now - 5_000)
        let quarantined = try Plan.plan(
            Plan.batch(Plan.changes(from: 9, count: 1), report: Plan.report(quarantined: 1)), node: node,
            prefetched: BatchPrefetch(lastRefusal: "forbidden: x (seq 1)"))
        #expect(quarantined.node.lastError?.hasSuffix("(last: forbidden: x (seq 1))") == true)
    }

    @Test func aHoldNoteStaysUntilTheHoldIsReleasedButAStandingNoteReplacesIt() throws {
        var node = Plan.bookkeeping(highWater: 1)
        node.lastError = "\(BatchPlan.heldBackNote) change seq 1 counts node '430200' at 5, beyond what the hub holds"
        let heartbeat = try Plan.plan(Plan.batch([], firstSeq: 2, report: Plan.report()), node: node)
        #expect(heartbeat.node.lastError == node.lastError)
        let off = try Plan.plan(
            Plan.batch([], firstSeq: 2, report: Plan.report(clockMs: Plan.now - 600_000)), node: node)
        #expect(off.node.lastError?.hasPrefix("clock 10m behind the hub") == true)
    }

    @Test func theNeedsOfABatchAreWhatItsRulesRead() {
        let batch = Plan.batch(
            Plan.changes(count: 2) + [Plan.change(Plan.version(Plan.node, 3, extra: [Plan.other: 2, Plan.far: 1]))],
            report: Plan.report(quarantined: 1))
        let needs = BatchPrefetch.needs(for: batch, highWater: 1)
        #expect(needs.newChanges.map(\.seq) == [2, 3])
        #expect(needs.resent.map(\.seq) == [1])
        #expect(needs.countedNodes == [Plan.other, Plan.far])
        #expect(needs.lastRefusal)
        let gap = BatchPrefetch.needs(for: Plan.batch(Plan.changes(from: 5, count: 1)), highWater: 1)
        #expect(gap.newChanges.isEmpty && gap.resent.isEmpty && gap.countedNodes.isEmpty && !gap.lastRefusal)
    }
}
