import Testing
import YiwangCore

@Suite struct MergeTests {
    let base = version(["a": 1], hlc: 100, origin: "a")

    @Test func firstVersionIsApplied() {
        let outcome = Merge.merge(base, into: nil, policy: .lww)
        #expect(outcome == .applied(RecordState(single: base), superseded: []))
    }

    @Test(arguments: MergePolicy.allCases)
    func dominatingVersionReplacesTheState(policy: MergePolicy) {
        let later = version(["a": 1, "b": 1], hlc: 200, origin: "b")
        let outcome = Merge.merge(later, into: RecordState(single: base), policy: policy)
        #expect(outcome == .applied(RecordState(single: later), superseded: [base]))
    }

    @Test(arguments: MergePolicy.allCases)
    func duplicateAndObsoleteVersionsAreIgnored(policy: MergePolicy) {
        let later = version(["a": 2], hlc: 200, origin: "a")
        #expect(Merge.merge(base, into: RecordState(single: base), policy: policy) == .ignored)
        #expect(Merge.merge(base, into: RecordState(single: later), policy: policy) == .ignored)
    }

    @Test func concurrentEditsUnderLWWKeepTheHigherHLCAndLogTheLoser() {
        let county = version(["a": 1, "c": 1], hlc: 300, origin: "c")
        let province = version(["a": 1, "p": 1], hlc: 250, origin: "p")
        let outcome = Merge.merge(province, into: RecordState(single: county), policy: .lww)
        guard case .conflict(let state, let conflicts) = outcome else {
            Issue.record("expected a conflict, got \(outcome)")
            return
        }
        #expect(state.visible == [county])
        #expect(state.vector == vv(["a": 1, "c": 1, "p": 1]))
        #expect(conflicts == [ConflictRecord(winner: county, loser: province, resolution: .lastWriterWins)])
    }

    @Test func equalHLCsAreBrokenByTheHigherOrigin() {
        let x = version(["x": 1], hlc: 500, origin: "430100")
        let y = version(["y": 1], hlc: 500, origin: "430200")
        #expect(Merge.merge(x, into: RecordState(single: y), policy: .lww).newState?.winner == y)
        #expect(Merge.merge(y, into: RecordState(single: x), policy: .lww).newState?.winner == y)
    }

    @Test func concurrentDeleteAgainstUpdateIsAConflictLikeAnyOther() {
        let update = version(["a": 1, "b": 1], hlc: 400, origin: "b")
        let delete = version(["a": 1, "c": 1], hlc: 450, origin: "c", op: .delete)
        let state = Merge.merge(delete, into: RecordState(single: update), policy: .lww)
        guard case .conflict(let merged, let conflicts) = state else {
            Issue.record("expected a conflict")
            return
        }
        #expect(merged.isDeleted)
        #expect(conflicts.first?.loser == update)
        // The update, arriving second elsewhere, loses the same way.
        let other = Merge.merge(update, into: RecordState(single: delete), policy: .lww)
        #expect(other.newState == merged)
    }

    @Test func aWriteThatSawTheTombstoneRevivesTheRecord() {
        let delete = version(["a": 2], hlc: 200, origin: "a", op: .delete)
        let revive = version(["a": 2, "b": 1], hlc: 300, origin: "b")
        let state = Merge.merge(revive, into: RecordState(single: delete), policy: .lww).newState
        #expect(state?.isDeleted == false)
        #expect(state?.winner == revive)
    }

    @Test func siblingsStayVisibleUntilADominatingWriteResolvesThem() throws {
        let x = version(["a": 1, "x": 1], hlc: 200, origin: "x")
        let y = version(["a": 1, "y": 1], hlc: 300, origin: "y")
        let outcome = Merge.merge(x, into: RecordState(single: y), policy: .siblings)
        guard case .conflict(let state, let conflicts) = outcome else {
            Issue.record("expected siblings")
            return
        }
        #expect(state.visible == [y, x])
        #expect(conflicts == [ConflictRecord(winner: y, loser: x, resolution: .keptAsSiblings)])
        let resolution = version(["a": 1, "x": 1, "y": 1, "z": 1], hlc: 400, origin: "z")
        let resolved = Merge.merge(resolution, into: state, policy: .siblings)
        #expect(resolved == .applied(RecordState(single: resolution), superseded: [y, x]))
    }

    @Test func aWriteThatSawOnlyOneSiblingReplacesOnlyThatOne() {
        let x = version(["x": 1], hlc: 200, origin: "x")
        let y = version(["y": 1], hlc: 300, origin: "y")
        let state = Merge.merge(x, into: RecordState(single: y), policy: .siblings).newState!
        let xPrime = version(["x": 2], hlc: 350, origin: "x")
        let merged = Merge.merge(xPrime, into: state, policy: .siblings).newState!
        #expect(Set(merged.visible) == Set([y, xPrime]))
        #expect(merged.vector == vv(["x": 2, "y": 1]))
    }

    @Test func aLateLoserIsIgnoredAfterItWasDominated() {
        // c saw both sides of an earlier conflict and resolved it; the old loser arriving late changes nothing.
        let a = version(["a": 1], hlc: 100, origin: "a")
        let b = version(["b": 1], hlc: 110, origin: "b")
        let c = version(["a": 1, "b": 1, "c": 1], hlc: 120, origin: "c")
        let state = Merge.merge(c, into: RecordState(single: b), policy: .lww).newState!
        #expect(Merge.merge(a, into: state, policy: .lww) == .ignored)
    }
}
