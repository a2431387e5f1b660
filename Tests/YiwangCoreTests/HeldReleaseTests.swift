import Testing
import YiwangCore

/// Held changes released once the hub holds the node they waited for (`HeldRelease`).
@Suite struct HeldReleaseTests {
    /// The node's change 1 counted `other` at 5; `other` now sends through `through`.
    func release(
        _ changes: [Change], through: UInt64 = 5, heldCount: Int? = nil, records: RecordStates = RecordStates(),
        highWaters: [String: UInt64] = [:], origin: NodeBookkeeping? = nil, rules: HubBatchRules = Plan.rules()
    ) -> HeldRelease {
        var node = origin ?? Plan.bookkeeping(highWater: 3)
        if origin == nil {
            node.lastError =
                "\(BatchPlan.heldBackNote) change seq 1 counts node '430200' at 5, beyond what the hub holds"
        }
        return HeldRelease(
            changes, origin: node, releasing: Plan.other, through: through, rules: rules,
            prefetched: HeldRelease.Prefetch(
                records: records, highWaters: highWaters, heldCount: heldCount ?? changes.count))
    }

    func held(_ seq: UInt64, key: String = "k", extra: [String: UInt64] = [Plan.other: 5]) -> Change {
        Change(seq: seq, version: Plan.version(Plan.node, seq, key: key, extra: extra))
    }

    @Test func aChangeWhoseWaitIsMetMergesAndLeavesTheHeldTable() {
        let plan = release([held(1), held(2, key: "j")])
        #expect(plan.decisions.map { Plan.word($0.action) } == ["applied", "applied"])
        #expect(plan.decisions.allSatisfy { $0.releasesHeld })
        #expect(plan.decisions.allSatisfy { $0.sequenceDigest == nil })  // recorded when first held
        #expect((plan.applied, plan.node.changesApplied) == (2, 2))
        #expect(plan.node.lastError == nil)  // nothing of the node is held back any more
        #expect(plan.node.highWater == 3)  // releasing moves no high water
    }

    @Test func theHoldNoteStaysWhileOtherChangesOfTheNodeAreStillHeld() {
        let plan = release([held(1)], heldCount: 2)
        #expect(plan.node.lastError?.hasPrefix(BatchPlan.heldBackNote) == true)
    }

    @Test func anotherNotesIsNotClearedByARelease() {
        var origin = Plan.bookkeeping(highWater: 3)
        origin.lastError = "clock 2m ahead of the hub"
        #expect(release([held(1)], origin: origin).node.lastError == "clock 2m ahead of the hub")
    }

    @Test func aChangeStillCountingAnotherNodeBeyondWhatTheHubHoldsWaitsAgain() {
        let plan = release([held(1, extra: [Plan.other: 5, Plan.far: 2])], highWaters: [Plan.far: 1])
        #expect(plan.decisions.map { Plan.word($0.action) } == ["rewait:430900@2"])
        #expect(!plan.decisions[0].releasesHeld)
        #expect(plan.node.lastError?.hasPrefix(BatchPlan.heldBackNote) == true)
        #expect(plan.applied == 0)
        let notYet = release([held(1)], through: 4)  // the releasing node's own counter is still short
        #expect(notYet.decisions.map { Plan.word($0.action) } == ["rewait:430200@5"])
    }

    @Test func aReleasedChangeIsMergedAgainstTheRecordAsItIsNow() {
        let theirs = Plan.version(Plan.other, 5, hlc: Plan.now)
        let plan = release([held(1)], records: Plan.states(theirs))
        // The held change counted other@5 and the record holds exactly that version: it dominates.
        #expect(plan.decisions.map { Plan.word($0.action) } == ["applied"])
        let concurrent = release([held(1)], records: Plan.states(Plan.version(Plan.other, 6, hlc: Plan.now)))
        #expect(concurrent.decisions.map { Plan.word($0.action) } == ["conflict"])
        #expect((concurrent.conflicts, concurrent.node.conflicts) == (1, 1))
    }

    @Test func aReleasedChangeThatCannotMergeIsRefusedAgainstItsOwnNode() {
        // The record holds this node's counter 9 meanwhile: seq 1 would go backwards.
        let newer = Plan.version(Plan.node, 9, extra: [Plan.far: 1])
        let backwards = release([held(1)], records: Plan.states(newer))
        #expect(backwards.decisions.map { Plan.word($0.action) } == ["refuse:invalid_vector"])
        #expect(backwards.decisions[0].releasesHeld)
        #expect(backwards.node.rejectedChanges == 1)
        // The topology no longer has the node it counted: a claim that can never come true.
        let shrunk = Plan.rules(scope: ClaimScope(hubID: Plan.hub, nodes: [Plan.node]))
        let gone = release([held(1)], rules: shrunk)
        #expect(gone.decisions.map { Plan.word($0.action) } == ["refuse:invalid_vector"])
        #expect(gone.decisions[0].releasesHeld && gone.node.rejectedChanges == 1)
        #expect(gone.node.lastError == nil)  // nothing held any more
    }

    @Test func theNodesToReadAreThoseCountedBesideTheReleasingNodeAndTheOrigins() {
        let changes = [held(1, extra: [Plan.other: 5, Plan.far: 2]), held(2, extra: [Plan.other: 5, "430121": 1])]
        #expect(HeldRelease.countedNodes(changes, releasing: Plan.other) == [Plan.far, "430121"])
    }
}
