import Foundation
import Logging
import Testing
import YiwangChaos
import YiwangCore
import YiwangHTTP
import YiwangTesting

/// The failure the province feared most: a node that stays "connected" while its data stops reaching the
/// hub. Here a middlebox cuts every request larger than a few hundred bytes (the data batches) while small
/// status heartbeats still pass. The hub must report the node `stale` with its real data age, never
/// `realtime`, and `realtime` again once the link carries data.
@Suite(.serialized) struct StaleNodeTests {
    static let topology = """
        hub: { id: "430000", name: "Province hub" }
        nodes:
          - { id: "430100", name: "Xingcheng City", level: city, parent: "430000", datasets: [population] }
        datasets:
          population: { policy: lww }
        """

    struct NodeView: Decodable {
        var state: String
        var dataAgeMs: Int64?
        var lastContactMs: Int64?
        var backlog: UInt64
    }

    @Test(.timeLimit(.minutes(1)))
    func aNodeWhoseBatchesAreCutButWhoseHeartbeatsPassIsStaleThenRecovers() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try Self.topology.write(toFile: dir.file("topology.yaml"), atomically: true, encoding: .utf8)
        let hub = try DaemonProcess(
            "yiwang-hub",
            arguments: [
                "--listen", "127.0.0.1:0", "--data-dir", dir.file("hub"), "--topology", dir.file("topology.yaml"),
                "--realtime-within", "1s", "--offline-after", "10s", "--stale-after", "2s",
            ], logPath: dir.file("hub.log"))
        let hubAddress = try await hub.waitForAddress()
        let proxy = FaultProxy(
            configuration: .init(
                listen: HostPort(host: "127.0.0.1", port: 0), upstream: HostPort(hubAddress)!, seed: 7),
            logger: Logger(label: "stale-test"))
        let proxyAddress = try await proxy.start()
        let edge = try DaemonProcess(
            "yiwang-edge",
            arguments: [
                "--node-id", "430100", "--hub", "http://\(proxyAddress)", "--listen", "127.0.0.1:0", "--data-dir",
                dir.file("edge"), "--datasets", "population", "--heartbeat", "200ms", "--backoff-cap", "300ms",
            ], logPath: dir.file("edge.log"))
        let edgeURL = try await edge.baseURL()
        let client = CurlHTTPClient(configuration: .init(totalTimeoutMs: 5_000))
        func node() async throws -> NodeView {
            let response = try await client.send(method: "GET", url: "http://\(hubAddress)/v1/nodes/430100")
            return try JSONDecoder().decode(NodeView.self, from: Data(response.body))
        }
        func eventually(_ condition: (NodeView) -> Bool) async throws -> NodeView {
            var last = try await node()
            let deadline = ContinuousClock.now + .seconds(20)
            while !condition(last) && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                last = try await node()
            }
            return last
        }

        #expect(try await eventually { $0.state == "realtime" }.state == "realtime")
        // Every request over 600 bytes on a connection is cut: heartbeats pass, the batch below never does.
        try proxy.add(.limitData(bytes: 600, direction: .upstream))
        var rng = SplitMix64(seed: 42)
        let noise = (0..<3_000).map { _ in String(UInt8.random(in: 0...15, using: &rng), radix: 16) }.joined()
        let put = try await client.send(
            method: "PUT", url: "\(edgeURL)/v1/records/population/p-1", headers: [("X-Actor", "clerk")],
            body: Array("{\"scan\":\"\(noise)\"}".utf8))
        #expect(put.status == 200)

        let stale = try await eventually { $0.state == "stale" }
        #expect(stale.state == "stale", "a node whose data cannot reach the hub must not look real-time")
        #expect((stale.dataAgeMs ?? 0) > 2_000)
        #expect(stale.backlog == 1)
        let contactAge = Int64(Date().timeIntervalSince1970 * 1000) - (stale.lastContactMs ?? 0)
        #expect(contactAge < 5_000, "the node is still in contact (its heartbeats pass)")

        proxy.heal()
        let healed = try await eventually { $0.state == "realtime" && $0.backlog == 0 }
        #expect(healed.state == "realtime")
        await edge.stop(SIGTERM)
        await proxy.stop()
        await hub.stop(SIGTERM)
    }
}
