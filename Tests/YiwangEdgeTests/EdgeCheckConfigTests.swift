import Testing
import YiwangTesting

/// `yiwang-edge --check-config`: what an operator runs before restarting a node.
@Suite struct EdgeCheckConfigTests {
    @Test func aValidConfigIsConfirmedAndABadOneNamesTheKey() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let good = try CommandRun.run(
            "yiwang-edge",
            ["--node-id", "430121", "--hub", "http://127.0.0.1:1", "--data-dir", dir.file("edge"), "--datasets",
                "population", "--check-config"])
        #expect(good.status == 0)
        #expect(good.stdout.contains("configuration ok: node 430121"))
        // Without --datasets: the node will hold what the province grants it.
        let granted = try CommandRun.run(
            "yiwang-edge",
            ["--node-id", "430121", "--hub", "http://127.0.0.1:1", "--data-dir", dir.file("edge"), "--check-config"])
        #expect(granted.status == 0, "\(granted.stderr)")
        #expect(granted.stdout.contains("datasets as the province grants"))

        try "node_id: \"430121\"\nhub: \"http://127.0.0.1:1\"\ndatasets: [population]\nheartbeat: often\n"
            .write(toFile: dir.file("edge.yaml"), atomically: true, encoding: .utf8)
        let bad = try CommandRun.run("yiwang-edge", ["--config", dir.file("edge.yaml"), "--data-dir", dir.path, "--check-config"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("heartbeat") && bad.stderr.contains(dir.file("edge.yaml")))
        #expect(bad.stderr.split(separator: "\n").count == 1)
    }
}
