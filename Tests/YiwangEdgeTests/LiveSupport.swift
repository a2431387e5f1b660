import Foundation
import Testing
import YiwangCore
import YiwangHTTP
import YiwangTesting

/// A real `yiwang-hub` on loopback with a topology granting node 430100 the dataset `population` only.
struct LiveHub {
    let directory: TemporaryDirectory
    var process: DaemonProcess
    var baseURL: String
    var port: Int

    static func start(in directory: TemporaryDirectory, port: Int = 0, extra: [String] = []) async throws -> LiveHub {
        let topology = directory.file("topology.yaml")
        try """
        hub: { id: "430000", name: "Province hub" }
        nodes:
          - { id: "430100", name: "Xingcheng City", level: city, parent: "430000", datasets: [population] }
        datasets:
          population: { policy: lww }
          finance: { policy: lww }
        """.write(toFile: topology, atomically: true, encoding: .utf8)
        let process = try DaemonProcess(
            "yiwang-hub",
            arguments: [
                "--listen", "127.0.0.1:\(port)", "--data-dir", directory.file("hub-data"), "--topology", topology,
            ]
                + extra,
            logPath: directory.file("hub.log"))
        let address = try await process.waitForAddress()
        let boundPort = Int(address.split(separator: ":").last ?? "") ?? 0
        return LiveHub(directory: directory, process: process, baseURL: "http://\(address)", port: boundPort)
    }
}

/// A real `yiwang-edge` (node 430100, datasets population and finance unless `datasets` says otherwise; nil:
/// as the province grants) on loopback.
struct LiveEdge {
    var process: DaemonProcess
    var baseURL: String

    static func start(
        in directory: TemporaryDirectory, hubURL: String, datasets: String? = "population,finance",
        extra: [String] = [], environment: [String: String] = [:]
    ) async throws -> LiveEdge {
        let process = try DaemonProcess(
            "yiwang-edge",
            arguments: [
                "--node-id", "430100", "--hub", hubURL, "--listen", "127.0.0.1:0", "--data-dir",
                directory.file("edge-data"), "--heartbeat", "200ms",
                "--backoff-base", "20ms", "--backoff-cap", "300ms", "--linger", "5ms", "--connect-timeout", "1s",
                "--total-timeout", "10s",
            ] + (datasets.map { ["--datasets", $0] } ?? []) + extra,
            logPath: directory.file("edge.log"), environment: environment,
            launcher: environment.isEmpty ? [] : FakeTime.launcher)
        return LiveEdge(process: process, baseURL: try await process.baseURL())
    }
}

/// A small JSON-over-HTTP client for the live tests.
struct LiveClient: Sendable {
    let http: CurlHTTPClient

    init(totalTimeoutMs: Int = 10_000) {
        http = CurlHTTPClient(configuration: .init(connectTimeoutMs: 2_000, totalTimeoutMs: totalTimeoutMs))
    }

    func put(_ base: String, dataset: String = "population", key: String, value: String) async throws(YiwangError)
        -> Int
    {
        try await http.send(
            method: "PUT", url: "\(base)/v1/records/\(dataset)/\(key)", headers: [("X-Actor", "tester")],
            body: Array(value.utf8)
        ).status
    }

    func json(_ url: String) async throws -> [String: Any] {
        let response = try await http.send(method: "GET", url: url, headers: [], body: nil)
        guard response.status == 200 else {
            throw YiwangError.unavailable("GET \(url): \(response.status) \(response.text)")
        }
        return try #require(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    func digest(_ base: String, _ dataset: String = "population") async throws -> String {
        let body = try await json("\(base)/v1/datasets/\(dataset)/digest")
        return "\(body["digest"] ?? "")/\(body["records"] ?? "")"
    }

    func status(_ base: String) async throws -> [String: Any] { try await json("\(base)/v1/status") }

    /// Waits until the edge's datasets and policies come from `basis` (`province`, `stored`, ...); returns
    /// the status's `grants` object seen last.
    func waitGrants(_ edge: String, basis: String, seconds: Double = 20) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var grants: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            grants = (try? await status(edge))?["grants"] as? [String: Any] ?? [:]
            if grants["basis"] as? String == basis { return grants }
            try await Task.sleep(for: .milliseconds(50))
        }
        return grants
    }

    /// The hub's connectivity state of node 430100.
    func hubState(_ hub: String) async throws -> String {
        try await json("\(hub)/v1/nodes/430100")["state"] as? String ?? "?"
    }

    /// Waits until the edge reports an empty backlog with everything it wrote acknowledged.
    func waitDrained(_ edge: String, seconds: Double = 30) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if let status = try? await status(edge), status["backlog"] as? Int == 0,
                status["ackedThrough"] as? Int == status["highestSeq"] as? Int
            {
                return true
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
