import Foundation
import Testing
import YiwangCore
import YiwangHTTP
import YiwangTesting

/// A province of real processes on loopback: one `yiwang-hub` and edges 430100, 430200, 430300, all
/// subscribed to `population` (lww).
struct LiveProvince {
    static let nodes = ["430100", "430200", "430300"]
    let directory: TemporaryDirectory
    let hub: DaemonProcess
    let hubURL: String
    let client = LiveClient()

    static func start(_ directory: TemporaryDirectory) async throws -> LiveProvince {
        let topology = directory.file("topology.yaml")
        try """
        hub: { id: "430000", name: "Province hub" }
        nodes:
          - { id: "430100", name: "Xingcheng City", level: city, parent: "430000", datasets: [population] }
          - { id: "430200", name: "Hecheng City", level: city, parent: "430000", datasets: [population] }
          - { id: "430300", name: "Shancheng City", level: city, parent: "430000", datasets: [population] }
        datasets:
          population: { policy: lww }
        """.write(toFile: topology, atomically: true, encoding: .utf8)
        let hub = try DaemonProcess(
            "yiwang-hub",
            arguments: ["--listen", "127.0.0.1:0", "--data-dir", directory.file("hub-data"), "--topology", topology],
            logPath: directory.file("hub.log"))
        return LiveProvince(directory: directory, hub: hub, hubURL: "http://\(try await hub.waitForAddress())")
    }

    /// Starts edge `node` (its data directory survives restarts); `hubURL` overrides the hub's address.
    func startEdge(_ node: String, hubURL: String? = nil) async throws -> (DaemonProcess, String) {
        let process = try DaemonProcess(
            "yiwang-edge",
            arguments: [
                "--node-id", node, "--hub", hubURL ?? self.hubURL, "--listen", "127.0.0.1:0", "--data-dir",
                directory.file("edge-\(node)"), "--datasets", "population", "--heartbeat", "200ms",
                "--backoff-base", "20ms", "--backoff-cap", "300ms", "--linger", "5ms", "--connect-timeout", "1s",
                "--total-timeout", "10s",
            ],
            logPath: directory.file("edge-\(node).log"))
        return (process, try await process.baseURL())
    }

    func put(_ base: String, key: String, value: String) async throws {
        let status = try await client.put(base, key: key, value: value)
        try #require(status == 200, "PUT \(key) answered \(status)")
    }

    /// The record's value at `base`, or nil when absent.
    func value(_ base: String, key: String) async throws -> String? {
        let response = try await client.http.send(method: "GET", url: "\(base)/v1/records/population/\(key)")
        guard response.status == 200 else { return nil }
        let body = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        guard let value = body?["value"] else { return nil }
        let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// Waits until `condition` holds; false after `seconds`.
    func eventually(seconds: Double = 20, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// Waits until the hub and every edge hold the same `population` digest; returns the digests seen last.
    func converge(_ edges: [String], seconds: Double = 20) async throws -> [String] {
        var last: [String] = []
        _ = try await eventually(seconds: seconds) {
            last = [try await client.digest(hubURL)]
            for edge in edges { last.append(try await client.digest(edge)) }
            return Set(last).count == 1
        }
        return last
    }

    /// Conflict records the hub holds for `key`.
    func hubConflicts(key: String) async throws -> Int {
        let body = try await client.json("\(hubURL)/v1/conflicts?dataset=population&key=\(key)")
        return (body["conflicts"] as? [Any])?.count ?? -1
    }
}
