import Foundation
import YiwangTesting

/// A real hub and one real node (`430100`, dataset `population`) on loopback, for the tests that drive
/// `yiwangctl` as an operator does (`YiwangctlTests`, `AuditVerifyCommandTests`). The topology also expects a
/// county that never connects (`430121`).
struct CtlProvince {
    static let topology = """
        hub: { id: "430000", name: "Province hub" }
        nodes:
          - { id: "430100", name: "Xingcheng City", level: city, parent: "430000", datasets: [population] }
          - { id: "430121", name: "Xingcheng County", level: county, parent: "430100", datasets: [population] }
        datasets:
          population: { policy: lww }
        """

    let dir: TemporaryDirectory
    let hub: DaemonProcess
    let edge: DaemonProcess
    let hubURL: String
    let edgeURL: String
    /// `YIWANG_HUB` and `YIWANG_EDGE` for `yiwangctl`.
    var environment: [String: String] { ["YIWANG_HUB": hubURL, "YIWANG_EDGE": edgeURL] }
    /// The hub's database, to edit behind its back.
    var hubDatabase: String { dir.file("hub") + "/hub.sqlite" }

    /// Starts the hub, then the node (heartbeat 200 ms); `remove()` stops both and deletes their files.
    static func start() async throws -> CtlProvince {
        let dir = try TemporaryDirectory()
        try topology.write(toFile: dir.file("topology.yaml"), atomically: true, encoding: .utf8)
        let hub = try DaemonProcess(
            "yiwang-hub",
            arguments: ["--listen", "127.0.0.1:0", "--data-dir", dir.file("hub"), "--topology", dir.file("topology.yaml")],
            logPath: dir.file("hub.log"))
        let hubURL = try await hub.baseURL()
        let edge = try DaemonProcess(
            "yiwang-edge",
            arguments: ["--node-id", "430100", "--hub", hubURL, "--listen", "127.0.0.1:0", "--data-dir", dir.file("edge"),
                "--datasets", "population", "--heartbeat", "200ms"],
            logPath: dir.file("edge.log"))
        return CtlProvince(dir: dir, hub: hub, edge: edge, hubURL: hubURL, edgeURL: try await edge.baseURL())
    }

    /// `yiwangctl put population KEY VALUE --actor ACTOR` through the node, then `yiwangctl get` at the hub
    /// until the change has arrived (or 5 s passed); both runs, for the caller to check.
    func putAndAwaitAtHub(key: String, value: String, actor: String) async throws -> (put: CommandRun, get: CommandRun) {
        let put = try CommandRun.run(
            "yiwangctl", ["put", "population", key, value, "--actor", actor], environment: environment)
        var get = try CommandRun.run("yiwangctl", ["get", "--hub", hubURL, "population", key])
        for _ in 0..<100 where get.status != 0 {
            try await Task.sleep(for: .milliseconds(50))
            get = try CommandRun.run("yiwangctl", ["get", "--hub", hubURL, "population", key])
        }
        return (put, get)
    }

    /// Stops the node, then the hub, gracefully.
    func stop() async {
        await edge.stop(SIGTERM)
        await hub.stop(SIGTERM)
    }
}
