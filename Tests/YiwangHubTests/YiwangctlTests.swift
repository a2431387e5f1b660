import Foundation
import Testing
import YiwangTesting

/// yiwangctl against a real hub and a real node: what an operator types and reads.
@Suite(.serialized) struct YiwangctlTests {
    static let topology = """
        hub: { id: "430000", name: "Province hub" }
        nodes:
          - { id: "430100", name: "Xingcheng City", level: city, parent: "430000", datasets: [population] }
          - { id: "430121", name: "Xingcheng County", level: county, parent: "430100", datasets: [population] }
        datasets:
          population: { policy: lww }
        """

    @Test(.timeLimit(.minutes(1)))
    func operatorCommandsAgainstALiveProvince() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try Self.topology.write(toFile: dir.file("topology.yaml"), atomically: true, encoding: .utf8)
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
        let edgeURL = try await edge.baseURL()
        let env = ["YIWANG_HUB": hubURL, "YIWANG_EDGE": edgeURL]

        let put = try CommandRun.run(
            "yiwangctl", ["put", "population", "p-1", "{\"name\":\"Zhang San\"}", "--actor", "clerk.7"], environment: env)
        #expect(put.status == 0, "\(put.stderr)")
        #expect(put.stdout.contains("\"vector\" : \"430100:1\""))

        // The change reaches the hub; the hub's merged copy names the writer.
        var get = try CommandRun.run("yiwangctl", ["get", "--hub", hubURL, "population", "p-1"])
        for _ in 0..<100 where get.status != 0 {
            try await Task.sleep(for: .milliseconds(50))
            get = try CommandRun.run("yiwangctl", ["get", "--hub", hubURL, "population", "p-1"])
        }
        #expect(get.stdout.contains("clerk.7") && get.stdout.contains("Zhang San"))

        let status = try CommandRun.run("yiwangctl", ["status"], environment: env)
        #expect(status.status == 0)
        let lines = status.stdout.split(separator: "\n")
        #expect(lines.first?.contains("of 1 city") == true)
        #expect(lines.contains { $0.hasPrefix("never") && $0.contains("430121") })
        #expect(!status.stdout.contains("\u{1B}["), "no colours when piped")

        let json = try CommandRun.run("yiwangctl", ["status", "--json"], environment: env)
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((report?["nodes"] as? [Any])?.count == 2)

        let node = try CommandRun.run("yiwangctl", ["node"], environment: env)
        #expect(node.stdout.contains("node            430100"))

        // Bad input: one clear line on stderr, non-zero exit, nothing written.
        let bad = try CommandRun.run("yiwangctl", ["put", "population", "p-2", "[1,2]", "--actor", "x"], environment: env)
        #expect(bad.status != 0)
        #expect(bad.stderr.hasPrefix("yiwangctl: invalid_field (value)"))
        #expect(bad.stderr.split(separator: "\n").count == 1)
        let missing = try CommandRun.run("yiwangctl", ["get", "--edge", edgeURL, "population", "p-2"])
        #expect(missing.status != 0 && missing.stderr.contains("not_found"))

        let unreachable = try CommandRun.run("yiwangctl", ["status", "--hub", "http://127.0.0.1:1"])
        #expect(unreachable.status == 1 && unreachable.stderr.contains("cannot reach"))
        await edge.stop(SIGTERM)
        await hub.stop(SIGTERM)
    }

    /// yiwangctl reads the environment and its flags with the daemons' reader: errors name the variable or
    /// the flag; durations take units, the interactive flags plain seconds.
    @Test func settingsComeFromTheOneReader() throws {
        let empty = try CommandRun.run("yiwangctl", ["status"], environment: ["YIWANG_HUB": ""])
        #expect(empty.status != 0 && empty.stderr.contains("YIWANG_HUB"), "\(empty.stderr)")
        let unreadable = try CommandRun.run(
            "yiwangctl", ["status", "--hub", "http://127.0.0.1:1"], environment: ["YIWANG_TOKEN_FILE": "/nonexistent/t"])
        #expect(unreadable.status != 0 && unreadable.stderr.contains("cannot read '/nonexistent/t'"))
        for timeout in ["0", "99999999999999999"] {
            let bad = try CommandRun.run("yiwangctl", ["status", "--hub", "http://127.0.0.1:1", "--timeout", timeout])
            #expect(bad.status != 0 && bad.stderr.contains("--timeout"), "\(bad.stderr)")
        }
        let dir = try TemporaryDirectory(prefix: "yiwangctl-grace")
        defer { dir.remove() }
        let grace = try CommandRun.run(
            "yiwangctl", ["credentials", "rotate", "--data-dir", dir.path, "--grace", "5", "430121"])
        #expect(grace.status != 0 && grace.stderr.contains("--grace") && grace.stderr.contains("bare number"))
    }
}
