import Foundation
import Testing
import YiwangCore
import YiwangTesting

/// A node whose clock is hours off, or jumps: its writes reach the hub stamped with the hub's time, and the
/// hub never reports it `realtime` while it lacks one of them. Serialized: real processes on two cores.
@Suite("Live clock skew", .serialized, .enabled(if: FakeTime.isAvailable, "needs the faketime package"))
struct LiveClockTests {
    static let hourMs: Int64 = 3_600_000

    @Test("an edge 2 h ahead: writes reach the hub in hub time; the hub says the clock is off", .timeLimit(.minutes(1)))
    func twoHoursAhead() async throws {
        try await skewed(offset: "+2h", expectedSkewMs: 2 * Self.hourMs, words: "ahead of the hub")
    }

    @Test("an edge 2 h behind: writes reach the hub in hub time, not 2 h in the past", .timeLimit(.minutes(1)))
    func twoHoursBehind() async throws {
        try await skewed(offset: "-2h", expectedSkewMs: -2 * Self.hourMs, words: "behind the hub")
    }

    @Test("an edge whose clock jumps 2 h ahead during a run keeps its writes flowing", .timeLimit(.minutes(1)))
    func jumpDuringARun() async throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-clock-jump")
        defer { dir.remove() }
        let offsetFile = dir.file("faketime-offset")
        try "+0".write(toFile: offsetFile, atomically: true, encoding: .utf8)
        let hub = try await LiveHub.start(in: dir)
        let edge = try await LiveEdge.start(
            in: dir, hubURL: hub.baseURL, environment: FakeTime.environment(file: offsetFile))
        let client = LiveClient()
        try await waitMeasured(client, edge.baseURL)
        #expect(try await client.put(edge.baseURL, key: "before", value: "{\"i\":0}") == 200)
        #expect(try await client.waitDrained(edge.baseURL, seconds: 10))

        try "+2h".write(toFile: offsetFile, atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(600))  // heartbeats measure the new skew
        for i in 1...3 { #expect(try await client.put(edge.baseURL, key: "after\(i)", value: "{\"i\":\(i)}") == 200) }
        try await expectHonest(client, hub: hub.baseURL, edge: edge.baseURL, records: 4)
        for key in ["before", "after1", "after2", "after3"] {
            try await expectHubTime(client, hub: hub.baseURL, key: key)
        }
        let node = try await waitHubNode(client, hub.baseURL) { ($0["lastError"] as? String)?.contains("ahead") == true }
        #expect((node["lastError"] as? String)?.contains("clock 2h ahead of the hub") == true)
        let status = try await client.status(edge.baseURL)
        #expect((status["clock"] as? String)?.contains("2h ahead of the hub") == true)
        #expect(await edge.process.stop(SIGTERM) == 0)
    }

    /// Starts an edge under `offset`, writes three records, and checks what a user would see.
    private func skewed(offset: String, expectedSkewMs: Int64, words: String) async throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-clock")
        defer { dir.remove() }
        let hub = try await LiveHub.start(in: dir)
        let edge = try await LiveEdge.start(
            in: dir, hubURL: hub.baseURL, environment: FakeTime.environment(offset: offset))
        let client = LiveClient()
        try await waitMeasured(client, edge.baseURL)
        for i in 1...3 { #expect(try await client.put(edge.baseURL, key: "k\(i)", value: "{\"i\":\(i)}") == 200) }
        try await expectHonest(client, hub: hub.baseURL, edge: edge.baseURL, records: 3)
        for i in 1...3 { try await expectHubTime(client, hub: hub.baseURL, key: "k\(i)") }

        let node = try await client.json("\(hub.baseURL)/v1/nodes/430100")
        let offsetMs = try #require(node["clockOffsetMs"] as? Int)
        #expect(abs(Int64(offsetMs) - expectedSkewMs) < 60_000, "the hub shows the node's real clock offset")
        #expect((node["lastError"] as? String)?.contains("clock 2h \(words)") == true)
        let status = try await client.status(edge.baseURL)
        #expect((status["clock"] as? String)?.contains("2h \(words)") == true)
        #expect((status["lastError"] as? String)?.contains("2h \(words)") == true)
        let node2 = try CommandRun.run("yiwangctl", ["node", "--edge", edge.baseURL])
        #expect(node2.stdout.contains("clock 2h \(words)"))
        #expect(await edge.process.stop(SIGTERM) == 0)
    }

    /// Waits for the node's first exchange with the hub (its clock is then the hub's).
    private func waitMeasured(_ client: LiveClient, _ edge: String) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let status = try? await client.status(edge), status["hubClockOffsetMs"] as? Int != nil { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the edge never reached the hub")
    }

    /// Until the hub holds `records` records: once the node has had a second (five heartbeats) to report them,
    /// the hub never says `realtime` while it lacks one of them (before that it cannot know of them).
    private func expectHonest(_ client: LiveClient, hub: String, edge: String, records: Int) async throws {
        let written = ContinuousClock.now
        let deadline = written + .seconds(8)
        var held = 0
        while ContinuousClock.now < deadline {
            let state = try await client.hubState(hub)
            held = try await client.json("\(hub)/v1/datasets/population/digest")["records"] as? Int ?? 0
            if held < records, ContinuousClock.now - written > .seconds(1) {
                #expect(state != "realtime", "realtime while the hub holds \(held) of \(records)")
            }
            if held == records, state == "realtime" { break }
            try await Task.sleep(for: .milliseconds(40))
        }
        #expect(held == records, "every acknowledged write reaches the hub")
        #expect(try await client.hubState(hub) == "realtime")
        let status = try await client.status(edge)
        #expect(status["backlog"] as? Int == 0)
        #expect(status["quarantined"] as? Int == 0, "nothing refused as too far in the future")
    }

    /// The version the hub holds carries the hub's time (within a minute), not the node's local clock: a node
    /// ahead does not win every last-writer-wins merge, a node behind does not lose every one.
    private func expectHubTime(_ client: LiveClient, hub: String, key: String) async throws {
        let record = try await client.json("\(hub)/v1/records/population/\(key)")
        let version = try #require((record["versions"] as? [[String: Any]])?.first)
        let hlcMs = Int64(try #require(version["hlcMs"] as? Int))
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(abs(hlcMs - now) < 60_000, "HLC \(hlcMs) is \((hlcMs - now) / 1000)s off the hub's clock")
    }

    private func waitHubNode(_ client: LiveClient, _ hub: String, until: ([String: Any]) -> Bool) async throws
        -> [String: Any]
    {
        let deadline = ContinuousClock.now + .seconds(5)
        var node: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            node = try await client.json("\(hub)/v1/nodes/430100")
            if until(node) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return node
    }
}
