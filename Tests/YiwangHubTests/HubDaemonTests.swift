import Foundation
import Testing
import YiwangCore
import YiwangHTTP
import YiwangHub
import YiwangTesting

/// The real `yiwang-hub` process on a loopback port: start, sync, SIGTERM (exit 0), restart with data kept.
@Suite struct HubDaemonTests {
    @Test(.timeLimit(.minutes(1))) func servesShutsDownCleanlyAndRestartsWithItsData() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let topology = dir.file("topology.yaml")
        try Fixtures.topologyYAML.write(toFile: topology, atomically: true, encoding: .utf8)
        let arguments = [
            "--listen", "127.0.0.1:0", "--data-dir", dir.file("data"), "--topology", topology,
        ]
        let client = CurlHTTPClient()
        let now = SystemWallClock().nowMs()
        let batch = Fixtures.batch(
            node: Fixtures.city, firstSeq: 1, Fixtures.versions(node: Fixtures.city, count: 4, hlcMs: now),
            clockMs: now)

        let first = try DaemonProcess("yiwang-hub", arguments: arguments, logPath: dir.file("hub.log"))
        var base = try await first.baseURL()
        let response = try await client.send(
            method: "POST", url: "\(base)/v1/sync",
            headers: [("Content-Type", HubRoutes.batchContentType), ("X-Yiwang-Node", Fixtures.city)],
            body: BatchCodec.encode(batch))
        #expect(response.status == 200)
        #expect(try JSONDecoder().decode(SyncAck.self, from: Data(response.body)).highWater == 4)
        #expect(await first.stop(SIGTERM) == 0)
        #expect(first.log.contains("stopped"))

        let second = try DaemonProcess("yiwang-hub", arguments: arguments, logPath: dir.file("hub.log"))
        base = try await second.baseURL()
        let node = try await client.send(method: "GET", url: "\(base)/v1/nodes/\(Fixtures.city)")
        let status = try JSONDecoder().decode(NodeStatus.self, from: Data(node.body))
        #expect(status.highWater == 4 && status.changesApplied == 4)
        let record = try await client.send(method: "GET", url: "\(base)/v1/records/population/key-3")
        #expect(record.status == 200)
        #expect(await second.stop(SIGINT) == 0)
    }

    @Test(.timeLimit(.minutes(1))) func badTopologyStopsStartUpWithOneClearLine() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let topology = dir.file("topology.yaml")
        try Fixtures.topologyYAML.replacingOccurrences(of: "policy: siblings", with: "policy: newest")
            .write(toFile: topology, atomically: true, encoding: .utf8)
        let process = try DaemonProcess(
            "yiwang-hub", arguments: ["--listen", "127.0.0.1:0", "--data-dir", dir.file("data"), "--topology", topology],
            logPath: dir.file("hub.log"))
        await #expect(throws: DaemonError.self) { try await process.waitForAddress(timeout: .seconds(20)) }
        #expect(process.exitStatus != 0)
        let log = process.log
        #expect(log.contains("datasets.social_security.policy") && log.contains(topology))
        #expect(log.split(separator: "\n").count == 1)
    }
}
