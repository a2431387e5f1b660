import Foundation
import Testing
import YiwangChaos
import YiwangTesting

/// The scenario runner's pure parts (topology, seeded schedule, checker with planted bugs) and a short
/// seeded run against real processes, so CI runs chaos on every change.
@Suite(.serialized) struct ScenarioTests {
    @Test func topologyHasCitiesWithTheirCounties() {
        let topology = ScenarioTopology.make(nodes: 8)
        #expect(topology.nodes.count == 8)
        #expect(topology.cities == ["430100", "430200", "430300"])
        #expect(topology.counties(of: "430100") == ["430102", "430103"])
        #expect(Set(topology.ids).count == 8)
        #expect(topology.yaml.contains("{ id: \"430203\", name: \"Node 430203\", level: county, parent: \"430200\""))
    }

    @Test func theSameSeedGivesTheSameSchedule() {
        let topology = ScenarioTopology.make(nodes: 6)
        let first = NemesisSchedule.generate(seed: 42, topology: topology, durationMs: 60_000)
        #expect(first == NemesisSchedule.generate(seed: 42, topology: topology, durationMs: 60_000))
        #expect(first != NemesisSchedule.generate(seed: 43, topology: topology, durationMs: 60_000))
        #expect(first.events.allSatisfy { $0.startMs >= 500 && $0.startMs <= 48_000 })
        #expect(first.partitions > 0)
    }

    @Test func schedulesCoverEveryFaultAndNeverOverlapProcessFaults() {
        let topology = ScenarioTopology.make(nodes: 8)
        var labels: Set<String> = []
        for seed in UInt64(1)...20 {
            let schedule = NemesisSchedule.generate(seed: seed, topology: topology, durationMs: 60_000)
            labels.formUnion(schedule.events.map(\.label))
            var processEvents: [String: [NemesisEvent]] = [:]
            for event in schedule.events {
                switch event.action {
                case .killEdge(let node), .pauseEdge(let node), .skewEdge(let node, _):
                    processEvents[node, default: []].append(event)
                case .killHub, .pauseHub: processEvents["hub", default: []].append(event)
                default: break
                }
            }
            for events in processEvents.values {
                for (a, b) in zip(events, events.dropFirst()) {
                    #expect(a.endMs <= b.startMs, "seed \(seed): \(a.label) and \(b.label) overlap")
                }
            }
        }
        let all: Set = ["node", "city", "half", "one_way", "flap", "latency", "cut_responses", "kill_edge",
                        "pause_edge", "kill_hub", "clock_skew", "pause_hub"]
        #expect(labels == all)
    }

    @Test func aCleanHistoryPasses() {
        let result = ScenarioChecker(detectionBoundMs: 3_000).check(Self.cleanObservation())
        #expect(result.ok, "\(result.violations)")
        #expect(result.acked == 3 && result.visible == 2 && result.superseded == 1)
        #expect(result.detectDelaysMs == [1_000] && result.recoveryDelaysMs == [500])
        var withConflict = Self.cleanObservation()
        withConflict.conflictLosers = ["population/a@430100:1"]
        let counted = ScenarioChecker(detectionBoundMs: 3_000).check(withConflict)
        #expect(counted.conflictLosers == 1 && counted.superseded == 0 && counted.ok)
    }

    @Test func plantedLossIsCounted() {
        var observation = Self.cleanObservation()
        observation.hubRecords["population/b"] = nil  // acknowledged, then missing at the hub
        let result = ScenarioChecker(detectionBoundMs: 3_000).check(observation)
        #expect(result.lost == 1 && result.duplicated == 0 && !result.ok)
    }

    @Test func aVersionTheHubNeverSawIsLostEvenIfTheKeyExists() {
        var observation = Self.cleanObservation()
        observation.hubRecords["population/a"] = HubRecord(vector: "430200:5", value: "{\"n\":9}", deleted: false)
        let result = ScenarioChecker(detectionBoundMs: 3_000).check(observation)
        #expect(result.lost == 2)  // both writes to `a` are concurrent with the hub's version
    }

    @Test func plantedDuplicateApplyIsCounted() {
        var observation = Self.cleanObservation()
        observation.nodes["430100"]?.changesApplied = 3  // the hub applied a batch twice
        let result = ScenarioChecker(detectionBoundMs: 3_000).check(observation)
        #expect(result.duplicated == 1 && result.lost == 0 && !result.ok)
        var reused = Self.cleanObservation()
        reused.acked.append(AckedWrite(node: "430100", dataset: "population", key: "c", value: "{}", vector: "430100:1",
                                       seq: 1, atMs: 50))
        #expect(ScenarioChecker(detectionBoundMs: 3_000).check(reused).duplicated == 1)
    }

    /// The planted bug "acknowledge before commit": the node answered 200 for a write its outbox never held.
    @Test func anAcknowledgedWriteMissingFromItsOutboxIsLost() {
        var observation = Self.cleanObservation()
        observation.outboxes = [
            "430100": [1: "population/a@430100:1", 2: "population/a@430100:2"],
            "430200": [1: "population/b@430200:1"],
        ]
        #expect(ScenarioChecker(detectionBoundMs: 3_000).check(observation).ok)
        observation.outboxes?["430100"]?[2] = nil
        observation.nodes["430100"] = NodeCounters(changesApplied: 1, highWater: 1, highestSeq: 1, backlog: 0)
        #expect(ScenarioChecker(detectionBoundMs: 3_000).check(observation).lost == 1)
        observation.outboxes?["430200"]?[2] = "population/b@430200:1"  // one write sent as two changes
        #expect(ScenarioChecker(detectionBoundMs: 3_000).check(observation).duplicated == 1)
    }

    @Test func realtimeWhileCutDivergenceAndCorruptionAreViolations() {
        var observation = Self.cleanObservation()
        observation.samples.insert(StateSample(atMs: 4_500, states: ["430100": "realtime", "430200": "realtime"]), at: 2)
        observation.digests["430200"]?["population"] = "other/2"
        observation.integrity["/tmp/edge.sqlite"] = "*** in database main *** Page 3 is never used"
        let result = ScenarioChecker(detectionBoundMs: 3_000).check(observation)
        #expect(result.realtimeWhileCut == 1 && result.converged == "no" && result.integrityFailures == 1)
        observation.enforcedDatasets = ["social_security"]
        #expect(ScenarioChecker(detectionBoundMs: 3_000).check(observation).divergedNotEnforced == ["430200/population"])
    }

    /// The short CI drill: a real hub and 3-4 real nodes behind fault proxies, 15 s of faults per seed.
    /// Replay a failure with `yiwang-chaos run --seed S --nodes N --duration 15s`.
    @Test(.timeLimit(.minutes(2)), arguments: [(UInt64(7), 3), (UInt64(42), 4)])
    func shortSeededRunFindsNoViolation(seed: UInt64, nodes: Int) async throws {
        let directory = try TemporaryDirectory(prefix: "yiwang-chaos-run")
        var runner = ScenarioRunner(seed: seed, nodes: nodes, durationMs: 15_000, directory: directory.path)
        runner.quiescenceTimeoutMs = 45_000
        let report = try await runner.run()
        print(report.summary)
        #expect(report.ok, "\(report.summary)\n\(report.result.violations.joined(separator: "\n"))")
        #expect(report.result.acked > 100 && report.partitions + report.kills > 0)
        #expect(report.schedule.contains { $0.label == "clock_skew" } && report.schedule.contains { $0.label == "pause_hub" })
        #expect(report.result.falseRealtime == 0)
        if report.ok { directory.remove() }
    }

    @Test func realtimeWhileTheHubLacksAnAcknowledgedWriteIsCounted() {
        var observation = Self.cleanObservation()
        observation.samples = observation.samples.map { sample in
            var sample = sample
            sample.highWater = ["430100": 2, "430200": 1]
            return sample
        }
        #expect(ScenarioChecker(detectionBoundMs: 3_000).check(observation).falseRealtime == 0)
        // The hub still holds only seq 1 of 430100 at 6.5 s, although seq 2 was acknowledged at 0.2 s.
        observation.samples[2].highWater["430100"] = 1
        observation.skews = [CutInterval(node: "430100", startMs: 5_000, endMs: 7_000, label: "clock_skew")]
        let result = ScenarioChecker(detectionBoundMs: 3_000).check(observation)
        #expect(result.falseRealtime == 1 && result.falseRealtimeDuringSkew == 1)
        #expect(!result.ok)
        #expect(result.violations.contains { $0.hasPrefix("false realtime: 430100") })
    }

    /// Two nodes; 430100 writes `a` twice and `b` once, and is cut off from 1 s to 6 s.
    static func cleanObservation() -> ScenarioObservation {
        var observation = ScenarioObservation()
        observation.acked = [
            AckedWrite(node: "430100", dataset: "population", key: "a", value: "{\"n\":1}", vector: "430100:1", seq: 1,
                       atMs: 100),
            AckedWrite(node: "430100", dataset: "population", key: "a", value: "{\"n\":2}", vector: "430100:2", seq: 2,
                       atMs: 200),
            AckedWrite(node: "430200", dataset: "population", key: "b", value: nil, vector: "430200:1", seq: 1, atMs: 300),
        ]
        observation.hubRecords = [
            "population/a": HubRecord(vector: "430100:2", value: "{\"n\":2}", deleted: false),
            "population/b": HubRecord(vector: "430200:1", value: nil, deleted: true),
        ]
        observation.nodes = [
            "430100": NodeCounters(changesApplied: 2, highWater: 2, highestSeq: 2, backlog: 0),
            "430200": NodeCounters(changesApplied: 1, highWater: 1, highestSeq: 1, backlog: 0),
        ]
        observation.cuts = [CutInterval(node: "430100", startMs: 1_000, endMs: 6_000, label: "node")]
        observation.samples = [
            StateSample(atMs: 1_000, states: ["430100": "realtime", "430200": "realtime"]),
            StateSample(atMs: 2_000, states: ["430100": "lagging", "430200": "realtime"]),
            StateSample(atMs: 6_500, states: ["430100": "realtime", "430200": "realtime"]),
        ]
        observation.healedAtMs = 6_000
        observation.digests = ["hub": ["population": "d/2"], "430100": ["population": "d/2"],
                               "430200": ["population": "d/2"]]
        observation.downlink = true
        observation.integrity = ["/tmp/hub.sqlite": "ok"]
        return observation
    }
}
