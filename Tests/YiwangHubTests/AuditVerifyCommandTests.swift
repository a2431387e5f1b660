import Foundation
import GRDB
import Testing
import YiwangTesting

/// `yiwangctl audit verify` against a real hub and a copy of its file: an edited record is named (dataset and
/// key, never the value) by both, after an untouched log verified.
@Suite(.serialized) struct AuditVerifyCommandTests {
    @Test(.timeLimit(.minutes(1)))
    func editedRecordIsFoundLiveAndOnACopy() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try YiwangctlTests.topology.write(toFile: dir.file("topology.yaml"), atomically: true, encoding: .utf8)
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
        let env = ["YIWANG_HUB": hubURL, "YIWANG_EDGE": try await edge.baseURL()]
        let put = try CommandRun.run(
            "yiwangctl", ["put", "population", "p-1", "{\"name\":\"Zhang San\"}", "--actor", "clerk.7"], environment: env)
        #expect(put.status == 0, "\(put.stderr)")
        var get = try CommandRun.run("yiwangctl", ["get", "--hub", hubURL, "population", "p-1"])
        for _ in 0..<100 where get.status != 0 {
            try await Task.sleep(for: .milliseconds(50))
            get = try CommandRun.run("yiwangctl", ["get", "--hub", hubURL, "population", "p-1"])
        }
        let intact = try CommandRun.run("yiwangctl", ["audit", "verify"], environment: env)
        #expect(intact.status == 0 && intact.stdout.contains("audit log intact"), "\(intact.stdout)\(intact.stderr)")

        let queue = try DatabaseQueue(path: dir.file("hub") + "/hub.sqlite")
        try await queue.write { db in
            try db.execute(sql: "UPDATE records SET value = '{\"name\":\"Li Si\"}' WHERE key = 'p-1'")
        }
        try queue.close()
        let live = try CommandRun.run("yiwangctl", ["audit", "verify"], environment: env)
        #expect(live.status != 0)
        let output = live.stdout + live.stderr
        #expect(output.contains("record \"population\"/\"p-1\""), "\(output)")
        #expect(!output.contains("Li Si") && !output.contains("Zhang San"))

        await edge.stop(SIGTERM)
        await hub.stop(SIGTERM)
        let copy = try CommandRun.run("yiwangctl", ["audit", "verify", "--file", dir.file("hub") + "/hub.sqlite"])
        #expect(copy.status != 0 && (copy.stdout + copy.stderr).contains("record \"population\"/\"p-1\""))
    }
}
