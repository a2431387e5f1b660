import Foundation
import Testing
import YiwangTesting

/// yiwangctl against a real hub and a real node: what an operator types and reads.
@Suite(.serialized) struct YiwangctlTests {
    @Test(.timeLimit(.minutes(1)))
    func operatorCommandsAgainstALiveProvince() async throws {
        let province = try await CtlProvince.start()
        defer { province.dir.remove() }
        let env = province.environment
        let (put, get) = try await province.putAndAwaitAtHub(
            key: "p-1", value: "{\"name\":\"Zhang San\"}", actor: "clerk.7")
        #expect(put.status == 0, "\(put.stderr)")
        #expect(put.stdout.contains("\"vector\" : \"430100:1\""))
        // The change reaches the hub; the hub's merged copy names the writer.
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
        #expect(node.stdout.contains("outbox          written through seq 1"), "\(node.stdout)\(node.stderr)")
        #expect(node.stdout.contains("datasets        population ("), "\(node.stdout)")

        // Every answer yiwangctl decodes, read as the servers write it.
        let blame = try CommandRun.run("yiwangctl", ["blame", "population", "p-1"], environment: env)
        #expect(blame.status == 0 && blame.stdout.contains("p-1: 1 version(s)"), "\(blame.stdout)\(blame.stderr)")
        #expect(blame.stdout.contains("visible") && blame.stdout.contains("put by clerk.7 at node 430100"))
        let digest = try CommandRun.run(
            "yiwangctl", ["digest", "population", "--hub", province.hubURL, "--edge", province.edgeURL])
        #expect(digest.status == 0 && digest.stdout.contains("converged"), "\(digest.stdout)\(digest.stderr)")
        let conflicts = try CommandRun.run("yiwangctl", ["conflicts"], environment: env)
        #expect(conflicts.status == 0 && conflicts.stdout.contains("no conflicts"), "\(conflicts.stderr)")
        let quarantine = try CommandRun.run("yiwangctl", ["quarantine", "list"], environment: env)
        #expect(quarantine.status == 0 && quarantine.stdout.contains("nothing quarantined"), "\(quarantine.stderr)")
        let resync = try CommandRun.run("yiwangctl", ["resync"], environment: env)
        #expect(resync.status == 0 && resync.stdout.contains("resync started: downlink cursor"), "\(resync.stderr)")

        // Bad input: one clear line on stderr, non-zero exit, nothing written.
        let bad = try CommandRun.run("yiwangctl", ["put", "population", "p-2", "[1,2]", "--actor", "x"], environment: env)
        #expect(bad.status != 0)
        #expect(bad.stderr.hasPrefix("yiwangctl: invalid_field (value)"))
        #expect(bad.stderr.split(separator: "\n").count == 1)
        let missing = try CommandRun.run("yiwangctl", ["get", "--edge", province.edgeURL, "population", "p-2"])
        #expect(missing.status != 0 && missing.stderr.contains("not_found"))
        let unknown = try CommandRun.run("yiwangctl", ["blame", "nowhere", "p-1"], environment: env)
        #expect(unknown.status != 0 && unknown.stderr.hasPrefix("yiwangctl: unknown_dataset"), "\(unknown.stderr)")

        let unreachable = try CommandRun.run("yiwangctl", ["status", "--hub", "http://127.0.0.1:1"])
        #expect(unreachable.status == 1 && unreachable.stderr.contains("cannot reach"))
        await province.stop()
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
