import Testing
import YiwangChaos

@Suite struct ConnectionPlanTests {
    @Test func fullAndZeroToxicityAreCertain() {
        for connection in UInt64(1)...200 {
            #expect(ConnectionPlan.isActive(.down(name: "a", toxicity: 1), seed: 9, connection: connection))
            #expect(!ConnectionPlan.isActive(.down(name: "a", toxicity: 0), seed: 9, connection: connection))
        }
    }

    @Test func toxicityIsAProbabilityThatReproducesFromTheSeed() {
        let fault = Fault.down(name: "flaky", toxicity: 0.3)
        let draws = (UInt64(1)...2_000).map { ConnectionPlan.isActive(fault, seed: 42, connection: $0) }
        let hits = draws.filter { $0 }.count
        #expect((480...720).contains(hits))  // 600 expected
        let again = (UInt64(1)...2_000).map { ConnectionPlan.isActive(fault, seed: 42, connection: $0) }
        #expect(draws == again)
        let otherSeed = (UInt64(1)...2_000).map { ConnectionPlan.isActive(fault, seed: 43, connection: $0) }
        #expect(draws != otherSeed)
    }

    @Test func directionsMapToFlows() {
        let plan = ConnectionPlan(
            faults: [
                .blackhole(name: "b", direction: .downstream), .latency(name: "l", ms: 100, direction: .upstream),
            ], seed: 1, connection: 1)
        #expect(plan.downstream.blackhole)
        #expect(!plan.upstream.blackhole)
        #expect(plan.upstream.latencyMs == 100)
        #expect(plan.downstream.latencyMs == 0)
        #expect(plan.active == ["b", "l"])
    }

    @Test func mergesSeveralFaultsOfAKind() {
        let plan = ConnectionPlan(
            faults: [
                .latency(name: "a", ms: 100, jitterMs: 10), .latency(name: "b", ms: 50, jitterMs: 5),
                .bandwidth(name: "c", bytesPerSecond: 1_000), .bandwidth(name: "d", bytesPerSecond: 500),
                .limitData(name: "e", bytes: 900, direction: .both),
                .limitData(name: "f", bytes: 300, direction: .both),
                .resetPeer(name: "g", afterMs: 800), .resetPeer(name: "h", afterMs: 200),
            ], seed: 1, connection: 1)
        #expect(plan.upstream.latencyMs == 150 && plan.upstream.jitterMs == 15)
        #expect(plan.downstream.bytesPerSecond == 500)
        #expect(plan.downstream.limit == FlowPlan.Limit(name: "f", bytes: 300))
        #expect(plan.resetAfterMs == 200)
        #expect(!plan.down)
    }

    @Test func noFaultsIsClean() {
        let plan = ConnectionPlan(faults: [], seed: 1, connection: 1)
        #expect(plan.upstream.isClean && plan.downstream.isClean && !plan.down && plan.resetAfterMs == nil)
    }
}
