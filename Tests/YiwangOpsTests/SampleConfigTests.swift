import Foundation
import Testing
import YiwangCore
import YiwangHTTP
import YiwangTesting

/// The sample configs in config/ are what operators copy: the real daemons must start from them (every key
/// known and valid, the topology consistent), and a write at each sample node must reach the hub (the node's
/// datasets agree with its topology entry). Only the addresses, directories and the token are overridden,
/// by flags, as the systemd units do.
@Suite(.serialized) struct SampleConfigTests {
    @Test(.timeLimit(.minutes(2)))
    func hubAndNodesRunFromTheSampleConfigs() async throws {
        let directory = try TemporaryDirectory(prefix: "yiwang-samples")
        defer { directory.remove() }
        let hub = try DaemonProcess(
            "yiwang-hub",
            arguments: [
                "--config", Ops.path("config/hub.yaml"), "--listen", "127.0.0.1:0",
                "--data-dir", try directory.subdirectory("hub"),
            ],
            logPath: directory.file("hub.log"))
        let hubURL = try await hub.baseURL()
        let token = directory.file("token")
        try "sample-token\n".write(toFile: token, atomically: true, encoding: .utf8)

        let client = CurlHTTPClient()
        // (sample config, node id in it, a dataset it holds)
        let samples = [("edge-city.yaml", "430100", "medical_insurance"), ("edge-county.yaml", "430121", "population")]
        var nodes: [DaemonProcess] = []
        for (file, nodeID, dataset) in samples {
            let node = try DaemonProcess(
                "yiwang-edge",
                arguments: [
                    "--config", Ops.path("config/\(file)"), "--hub", hubURL, "--listen", "127.0.0.1:0",
                    "--data-dir", try directory.subdirectory(nodeID), "--token-file", token,
                ],
                logPath: directory.file("\(nodeID).log"))
            nodes.append(node)
            let nodeURL = try await node.baseURL()
            let status = try await client.send(method: "GET", url: "\(nodeURL)/v1/status")
            #expect(status.status == 200)
            #expect(status.text.contains("\"\(nodeID)\""), "\(file): \(status.text)")

            let key = "sample-\(nodeID)"
            let put = try await client.send(
                method: "PUT", url: "\(nodeURL)/v1/records/\(dataset)/\(key)",
                headers: [("Content-Type", "application/json"), ("X-Actor", "ops-test")],
                body: Array(#"{"name":"Sample"}"#.utf8))
            #expect(put.status == 200, "\(file): PUT \(dataset)/\(key): \(put.status) \(put.text)")

            // The hub has it once the node's batch is accepted.
            let deadline = ContinuousClock.now + .seconds(30)
            var atHub = try await client.send(method: "GET", url: "\(hubURL)/v1/records/\(dataset)/\(key)")
            while atHub.status != 200, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                atHub = try await client.send(method: "GET", url: "\(hubURL)/v1/records/\(dataset)/\(key)")
            }
            #expect(atHub.status == 200, "\(file): the hub never got \(dataset)/\(key)\n\(node.log.suffix(2000))")
        }

        for node in nodes { #expect(await node.stop(SIGTERM) == 0, "\(node.log.suffix(2000))") }
        #expect(await hub.stop(SIGTERM) == 0, "\(hub.log.suffix(2000))")
    }

    /// Safe defaults (issue 13, class 10): as shipped, the hub is not a plain-HTTP server on a network address
    /// and the nodes speak TLS to it.
    @Test func theShippedConfigsAreSafeByDefault() throws {
        let hub = try DaemonSupport.loadConfigFile(Ops.path("config/hub.yaml"))
        let listen = try #require(hub["listen"] as? String)
        let colon = try #require(listen.lastIndex(of: ":"))
        let host = String(listen[..<colon])
        let tls = hub["tls_cert"] != nil && hub["tls_key"] != nil
        #expect(LoopbackAddress.contains(host) || tls, "hub.yaml listens on \(host) without TLS")
        #expect("\(hub["allow_plain_http"] ?? false)" == "false", "hub.yaml allows plain HTTP")
        for file in ["edge-city.yaml", "edge-county.yaml"] {
            let edge = try DaemonSupport.loadConfigFile(Ops.path("config/\(file)"))
            let upstreams = (edge["hub"] as? [String]) ?? [(edge["hub"] as? String) ?? ""]
            #expect(
                !upstreams.isEmpty && upstreams.allSatisfy { $0.hasPrefix("https://") }, "\(file): \(edge["hub"] ?? "-")")
            let edgeListen = try #require(edge["listen"] as? String)
            let edgeColon = try #require(edgeListen.lastIndex(of: ":"))
            let edgeHost = String(edgeListen[..<edgeColon])
            #expect(LoopbackAddress.contains(edgeHost) || edge["app_credentials_file"] != nil, "\(file)")
        }
    }
}
