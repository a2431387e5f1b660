import Testing
import YiwangCore

/// A skip mark (protocol 2): the node will never send `firstSeq`; the hub records the refusal and moves past it.
@Suite struct SkipMarkPlanTests {
    let reason = "malformed_batch: the change's value does not decode"

    func skip(at seq: UInt64, highWater: UInt64, report: NodeReport = Plan.report(quarantined: 1)) throws -> BatchPlan {
        try Plan.plan(
            Plan.batch([], firstSeq: seq, report: report, skip: SkipMark(reason: reason)),
            node: Plan.bookkeeping(highWater: highWater), prefetched: BatchPrefetch(lastRefusal: "older: x (seq 1)"))
    }

    @Test func aSkipOfTheNextSequenceIsRecordedAndMovesTheHighWater() throws {
        let plan = try skip(at: 5, highWater: 4)
        #expect(plan.skipped == SkippedSequence(seq: 5, reason: reason))
        #expect(plan.decisions.isEmpty)
        #expect(plan.ack == SyncAck(highWater: 5, expectedSeq: nil, rejected: [], hubClockMs: Plan.now))
        #expect(plan.node.highWater == 5 && plan.node.rejectedChanges == 1)
        #expect(plan.releaseThrough == 5)  // changes waiting on this node through 5 can go now
        // The node counts it quarantined; the report names the skip as the last refusal.
        #expect(plan.node.quarantined == 1)
        #expect(plan.node.lastError?.hasSuffix("(last: skipped: \(reason) (seq 5))") == true)
        #expect(plan.node.backlog == 0)  // a quarantined change is not in the node's backlog
    }

    @Test func aSkipAtOrBelowTheHighWaterIsAHarmlessDuplicate() throws {
        for seq: UInt64 in [1, 3, 4] {
            let plan = try skip(at: seq, highWater: 4)
            #expect(plan.skipped == nil)
            #expect(plan.ack == SyncAck(highWater: 4, expectedSeq: nil, rejected: [], hubClockMs: Plan.now))
            #expect(plan.node.rejectedChanges == 0)
            #expect(plan.node.lastError?.hasSuffix("(last: older: x (seq 1))") == true)
        }
    }

    @Test func aSkipPastTheNextSequenceIsAGap() throws {
        let plan = try skip(at: 7, highWater: 4)
        #expect(plan.skipped == nil)
        #expect(plan.ack.expectedSeq == 5 && plan.ack.highWater == 4)
        #expect(plan.node.highWater == 4 && plan.releaseThrough == nil)
    }

    @Test func aSkipOfSequenceZeroRecordsNothing() throws {
        let plan = try skip(at: 0, highWater: 0)
        #expect(plan.skipped == nil && plan.node.highWater == 0)
    }

    @Test func theSkipsAuditDetailNamesTheSequenceAndTheReasonOnly() {
        #expect(
            AuditDetail.skipped(seq: 5, reason: #"a "quoted" reason"#) == #"{"seq":5,"reason":"a \"quoted\" reason"}"#)
        #expect(AuditDetail.skipped(seq: .max, reason: "") == #"{"seq":9223372036854775807,"reason":""}"#)
    }
}
