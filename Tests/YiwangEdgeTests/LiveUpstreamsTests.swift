import Foundation
import Logging
import Testing
import YiwangChaos
import YiwangCore
import YiwangTesting

/// A node with several upstreams, with real daemons: it falls back when its first choice is cut, keeps
/// syncing with nothing lost or duplicated, returns when it heals; moved between two different hubs, it keeps
/// a separate feed position for each.
@Suite(.serialized, .timeLimit(.minutes(2))) struct LiveUpstreamsTests {
    /// A hub named `id` whose topology holds `nodes` (each granted `population`).
    static func startHub(
        _ directory: TemporaryDirectory, name: String, id: String, nodes: [String], port: Int = 0
    ) async throws -> (DaemonProcess, String) {
        let topology = directory.file("\(name)-topology.yaml")
        try (["hub: { id: \"\(id)\", name: \"Hub \(id)\" }", "nodes:"]
            + nodes.map { "  - { id: \"\($0)\", name: \"N\($0)\", level: city, parent: \"\(id)\", datasets: [population] }" }
            + ["datasets:", "  population: { policy: lww }", ""]).joined(separator: "\n")
            .write(toFile: topology, atomically: true, encoding: .utf8)
        let process = try DaemonProcess(
            "yiwang-hub",
            arguments: [
                "--listen", "127.0.0.1:\(port)", "--data-dir", directory.file("\(name)-data"), "--topology", topology,
            ],
            logPath: directory.file("\(name).log"))
        return (process, "http://\(try await process.waitForAddress())")
    }

    /// Node `node` with `hubs` in order, trying its first choice again every 300 ms.
    static func startEdge(_ directory: TemporaryDirectory, node: String, hubs: [String]) async throws
        -> (DaemonProcess, String)
    {
        let process = try DaemonProcess(
            "yiwang-edge",
            arguments: [
                "--node-id", node, "--listen", "127.0.0.1:0", "--data-dir", directory.file("edge-\(node)"),
                "--datasets", "population", "--heartbeat", "200ms", "--backoff-base", "20ms", "--backoff-cap", "300ms",
                "--linger", "5ms", "--connect-timeout", "1s", "--total-timeout", "5s", "--upstream-retry-first", "300ms",
            ] + hubs.flatMap { ["--hub", $0] },
            logPath: directory.file("edge-\(node).log"))
        return (process, try await process.baseURL())
    }

    static func upstreams(_ status: [String: Any]) -> (inUse: Int, list: [[String: Any]]) {
        let upstreams = status["upstreams"] as? [String: Any] ?? [:]
        return (upstreams["inUse"] as? Int ?? -1, upstreams["list"] as? [[String: Any]] ?? [])
    }

    static func eventually(seconds: Double = 15, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test("hub: [proxy, hub]: cut, it syncs through the second; healed, back on the first; nothing lost or twice")
    func fallsBackAndReturns() async throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-upstreams-live")
        defer { dir.remove() }
        let client = LiveClient()
        let (hub, hubURL) = try await Self.startHub(dir, name: "hub", id: "430000", nodes: ["430100"])
        let hubPort = Int(hubURL.split(separator: ":").last ?? "") ?? 0
        let proxy = FaultProxy(
            configuration: .init(
                listen: HostPort(host: "127.0.0.1", port: 0), upstream: HostPort(host: "127.0.0.1", port: hubPort),
                seed: 7),
            logger: Logger(label: "upstreams-proxy"))
        let proxyAddress = try await proxy.start()
        let proxyURL = "http://\(proxyAddress)"
        let (edge, edgeURL) = try await Self.startEdge(dir, node: "430100", hubs: [proxyURL, hubURL])
        defer { _ = (edge, hub) }
        func write(_ range: ClosedRange<Int>) async throws {
            for i in range { #expect(try await client.put(edgeURL, key: "k\(i)", value: "{\"n\":\(i)}") == 200) }
        }
        do {
            try await write(1...10)
            #expect(try await client.waitDrained(edgeURL, seconds: 15))
            let before = Self.upstreams(try await client.status(edgeURL))
            #expect(before.inUse == 0 && before.list.map { $0["id"] as? String } == ["430000", nil])
            let forwarded = proxy.stats.upstreamBytesForwarded
            #expect(forwarded > 0, "the first batches went through the proxy")

            // Cut: the node moves to the hub itself, and keeps syncing.
            try proxy.add(.down())
            try await write(11...30)
            #expect(try await client.waitDrained(edgeURL, seconds: 15))
            let cut = Self.upstreams(try await client.status(edgeURL))
            #expect(cut.inUse == 1, "on the second upstream while the first is cut: \(cut)")
            #expect(cut.list.first?["lastError"] as? String != nil, "the first one's error is shown")
            #expect(cut.list.map { $0["id"] as? String } == ["430000", "430000"])
            #expect(
                cut.list[0]["feedPosition"] as? Int == cut.list[1]["feedPosition"] as? Int,
                "the same hub under two URLs: one position, no snapshot")
            let node = try CommandRun.run("yiwangctl", ["node", "--edge", edgeURL])
            #expect(node.status == 0, "\(node.stderr)")
            #expect(node.stdout.contains("upstream        \(hubURL) (choice 2 of 2"), "\(node.stdout)")
            #expect(node.stdout.contains("1. \(proxyURL)  id 430000") && node.stdout.contains("last error"), "\(node.stdout)")
            #expect(node.stdout.contains("* 2. \(hubURL)"), "\(node.stdout)")

            // Healed: back on the first within a few retry intervals; new writes go through the proxy.
            _ = proxy.heal()
            #expect(try await Self.eventually { Self.upstreams(try await client.status(edgeURL)).inUse == 0 })
            let beforeHealedWrites = proxy.stats.upstreamBytesForwarded
            try await write(31...40)
            #expect(try await client.waitDrained(edgeURL, seconds: 15))
            #expect(proxy.stats.upstreamBytesForwarded > beforeHealedWrites, "the healed first choice carries them")

            // Nothing lost, nothing twice: 40 writes, 40 records at the hub, 40 changes applied, high water 40.
            let report = try await client.json("\(hubURL)/v1/nodes/430100")
            #expect(report["highWater"] as? Int == 40)
            #expect(report["changesApplied"] as? Int == 40, "\(report)")
            let digest = try await client.json("\(hubURL)/v1/datasets/population/digest")
            #expect(digest["records"] as? Int == 40)
            let hubDigest = try await client.digest(hubURL)
            #expect(try await client.digest(edgeURL) == hubDigest)
        } catch {
            await proxy.stop()
            throw error
        }
        await proxy.stop()
        await edge.stop(SIGTERM)
        await hub.stop(SIGTERM)
    }

    @Test("moved between two different hubs, the node keeps each one's feed position apart")
    func separatePositionPerHub() async throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-upstreams-live")
        defer { dir.remove() }
        let client = LiveClient()
        let nodes = ["430100", "430200", "430300"]
        var (hubA, urlA) = try await Self.startHub(dir, name: "hub-a", id: "430000", nodes: nodes)
        let (hubB, urlB) = try await Self.startHub(dir, name: "hub-b", id: "439900", nodes: nodes)
        let portA = Int(urlA.split(separator: ":").last ?? "") ?? 0
        // 430200 writes at hub A only, 430300 at hub B only: each hub's feed holds its own records.
        let (writerA, writerAURL) = try await Self.startEdge(dir, node: "430200", hubs: [urlA])
        let (writerB, writerBURL) = try await Self.startEdge(dir, node: "430300", hubs: [urlB])
        for i in 1...5 {
            #expect(try await client.put(writerAURL, key: "a\(i)", value: "{\"a\":\(i)}") == 200)
            #expect(try await client.put(writerBURL, key: "b\(i)", value: "{\"b\":\(i)}") == 200)
        }
        #expect(try await client.waitDrained(writerAURL))
        #expect(try await client.waitDrained(writerBURL))
        let (county, countyURL) = try await Self.startEdge(dir, node: "430100", hubs: [urlA, urlB])
        defer { _ = (county, writerA, writerB, hubB) }
        func has(_ key: String) async -> Bool {
            (try? await client.http.send(method: "GET", url: "\(countyURL)/v1/records/population/\(key)").status) == 200
        }
        func position(_ id: String) async throws -> Int? {
            Self.upstreams(try await client.status(countyURL)).list.first { $0["id"] as? String == id }?["feedPosition"]
                as? Int
        }
        #expect(try await Self.eventually { await has("a5") }, "hub A's records arrive")
        let early = await has("b1")
        #expect(!early, "hub B's do not: the node pulls from A")
        let positionA = try #require(try await position("430000"))
        #expect(positionA > 0)

        // Hub A down: the node moves to B, which it never pulled from: a snapshot of B, not A's cursor.
        await hubA.stop(SIGKILL)
        #expect(try await Self.eventually { await has("b5") }, "hub B's records arrive through its snapshot")
        let onB = Self.upstreams(try await client.status(countyURL))
        #expect(onB.inUse == 1 && onB.list.map { $0["id"] as? String } == ["430000", "439900"])
        #expect(try await position("430000") == positionA, "A's position is kept while the node pulls from B")
        #expect(county.log.contains("a snapshot of it first"))

        // Hub A back on its port: the node returns and resumes A's own position (no second snapshot of A).
        (hubA, _) = try await Self.startHub(dir, name: "hub-a", id: "430000", nodes: nodes, port: portA)
        #expect(try await Self.eventually { Self.upstreams(try await client.status(countyURL)).inUse == 0 })
        #expect(try await client.put(writerAURL, key: "a6", value: "{\"a\":6}") == 200)
        #expect(try await Self.eventually { await has("a6") }, "A's feed continues from the kept position")
        #expect(county.log.contains("downlink resumes this upstream's own position"))
        let snapshotsOfA = county.log.components(separatedBy: "snapshot started").count - 1
        #expect(snapshotsOfA == 2, "one snapshot of A at start, one of B; none when back on A: \(snapshotsOfA)")
        #expect(try #require(try await position("430000")) > positionA)
        #expect(try await position("439900") != nil, "B's position is kept too")
        for process in [county, writerA, writerB, hubA, hubB] { await process.stop(SIGTERM) }
    }
}
