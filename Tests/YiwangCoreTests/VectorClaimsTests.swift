import Testing
import YiwangCore

@Suite struct VectorClaimsTests {
    let scope = ClaimScope(hubID: "430000", nodes: ["430100", "430200", "430121"])
    /// The hub holds 430200 through 3 and nothing of 430121.
    let held: [String: UInt64] = ["430200": 3]

    func claim(_ vector: [String: UInt64], seq: UInt64, origin: String = "430100") -> VectorClaim {
        let change = Change(seq: seq, version: version(vector, hlc: 100, origin: origin))
        return VectorClaims.check(change, scope: scope) { held[$0] ?? 0 }
    }

    @Test func ownEntryAtItsSequenceAndHeldCountersHold() {
        #expect(claim(["430100": 7], seq: 7) == .holds)
        #expect(claim(["430100": 7, "430200": 3], seq: 7) == .holds)
    }

    @Test func aCounterBeyondWhatTheHubHoldsWaitsForThatNode() {
        #expect(claim(["430100": 7, "430200": 4], seq: 7) == .waits(node: "430200", counter: 4))
        #expect(claim(["430100": 1, "430121": 1 << 60], seq: 1) == .waits(node: "430121", counter: 1 << 60))
    }

    @Test(
        arguments: [
            (["430100": 8], UInt64(7), "its own node"),  // beyond the change's own sequence
            (["430100": 6], UInt64(7), "its own node"),  // a reused, older counter
            (["430100": 7, "430000": 1], UInt64(7), "the hub"),
            (["430100": 7, "999999": 1], UInt64(7), "not in the topology"),
        ])
    func claimsThatCanNeverComeTrueAreRefused(_ vector: [String: UInt64], seq: UInt64, reason: String) {
        guard case .impossible(let error) = claim(vector, seq: seq) else {
            Issue.record("expected a refusal for \(vector)")
            return
        }
        #expect(error.code == .invalidVector)
        #expect(error.message.contains(reason))
    }

    @Test func anOpenScopeStillChecksTheSenderAndTheHighWaters() {
        let change = Change(seq: 2, version: version(["x": 2, "y": 9], hlc: 1, origin: "x"))
        #expect(VectorClaims.check(change, scope: .open) { _ in 0 } == .waits(node: "y", counter: 9))
        let lying = Change(seq: 2, version: version(["x": 5], hlc: 1, origin: "x"))
        #expect(VectorClaims.check(lying, scope: .open) { _ in 0 } != .holds)
    }
}
