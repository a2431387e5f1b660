import Foundation
import GRDB
import Testing
import YiwangCore
import YiwangTesting

@testable import YiwangStore

/// `yiwangctl audit archive --hub` against a real hub process with credentials: a reader is refused (403) and
/// nothing is recorded, an admin seals and the hub prunes; `audit verify` with and without the archive,
/// `blame` after the prune, a tampered copy of the archive caught; then the offline path on the stopped hub.
@Suite(.serialized) struct LiveAuditArchiveTests {
    @Test(.timeLimit(.minutes(3))) func archiveLiveThenVerifyBlameAndTamper() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try CtlProvince.topology.write(toFile: dir.file("topology.yaml"), atomically: true, encoding: .utf8)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let day = ArchivedHubFixture.day
        // The hub's history: 300 changes 40 days ago (p-1 among them), then p-1 again now.
        let store = try HubStore(directory: dir.file("hub"), logger: Fixtures.logger)
        var counter: UInt64 = 0
        func send(_ keys: [String], atMs: Int64) throws {
            let versions = keys.map { key -> Version in
                counter += 1
                return Fixtures.version(node: "430100", counter: counter, key: key, hlcMs: atMs)
            }
            let batch = Fixtures.batch(node: "430100", firstSeq: counter - UInt64(keys.count) + 1, versions, clockMs: atMs)
            _ = try store.applySync(batch: batch, policies: ["population": .lww], grants: ["population"], nowMs: atMs)
        }
        try send(["p-1"] + (0..<299).map { "old-\($0)" }, atMs: now - 40 * day)
        try send(["p-1"], atMs: now)
        let oldThrough: Int64 = 300
        let reader = try await store.issueCredential(name: "ops", role: .reader, nowMs: now)
        let admin = try await store.issueCredential(name: "root", role: .admin, nowMs: now)
        try await store.pool.write { db in try JournalMarks.advance(db, .compactedSeq, to: oldThrough) }
        try store.close()

        let hub = try DaemonProcess(
            "yiwang-hub",
            arguments: ["--listen", "127.0.0.1:0", "--data-dir", dir.file("hub"), "--topology", dir.file("topology.yaml")],
            logPath: dir.file("hub.log"))
        let url = try await hub.baseURL()
        let asReader = ["YIWANG_HUB": url, "YIWANG_TOKEN": reader]
        let asAdmin = ["YIWANG_HUB": url, "YIWANG_TOKEN": admin]
        let out = dir.file("archive")
        func ctl(_ arguments: [String], _ environment: [String: String]) throws -> CommandRun {
            try CommandRun.run("yiwangctl", arguments, environment: environment)
        }

        let refused = try ctl(["audit", "archive", "--before", "30d", "--out", out], asReader)
        #expect(refused.status != 0 && refused.stderr.contains("forbidden"), "\(refused.stdout)\(refused.stderr)")
        let unarchived = try ctl(["audit", "verify"], asReader)
        #expect(unarchived.stdout.contains("audit log intact: 303 entries"), "\(unarchived.stdout)\(unarchived.stderr)")

        // The admin's run records what the refused run wrote, and the hub prunes it.
        let sealed = try ctl(["audit", "archive", "--before", "30d", "--out", out], asAdmin)
        #expect(sealed.status == 0, "\(sealed.stderr)")
        #expect(sealed.stdout.contains("pruned through seq 300, 300 removed now"), "\(sealed.stdout)")

        let alone = try ctl(["audit", "verify"], asReader)
        #expect(alone.status == 0, "\(alone.stderr)")
        #expect(alone.stdout.contains("intact from the pruned head at seq 300"), "\(alone.stdout)")
        #expect(alone.stdout.contains("records: 300 not replayed"), "\(alone.stdout)")
        let whole = try ctl(["audit", "verify", "--archive", out], asReader)
        #expect(whole.status == 0 && whole.stdout.contains("intact as one chain: 300 archived entries"), "\(whole.stdout)\(whole.stderr)")

        let blame = try ctl(["blame", "population", "p-1"], asReader)
        #expect(blame.status == 0 && blame.stdout.contains("older entries archived"), "\(blame.stdout)\(blame.stderr)")
        #expect(blame.stdout.contains("audit-0000000000000000001-0000000000000000300.jsonl"), "\(blame.stdout)")
        let full = try ctl(["blame", "population", "p-1", "--archive", out], asReader)
        #expect(full.stdout.contains("2 version(s)") && full.stdout.contains("[archived: audit-"), "\(full.stdout)\(full.stderr)")

        // A byte of the archive changed: caught, naming the file.
        let segment = out + "/audit-0000000000000000001-0000000000000000300.jsonl"
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: segment)))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        let tampered = try ctl(["audit", "verify", "--archive", out], asReader)
        #expect(tampered.status != 0 && tampered.stderr.contains("audit-0000000000000000001"), "\(tampered.stderr)")
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: segment))

        // The offline path, on the stopped hub: a second run has nothing new; verify the copy with the archive.
        #expect(await hub.stop(SIGTERM) == 0)
        let offline = try ctl(["audit", "archive", "--data-dir", dir.file("hub"), "--before", "30d", "--out", out], [:])
        #expect(offline.status == 0 && offline.stdout.contains("nothing new to seal"), "\(offline.stdout)\(offline.stderr)")
        let copy = try ctl(["audit", "verify", "--file", dir.file("hub") + "/hub.sqlite", "--archive", out], [:])
        #expect(copy.status == 0 && copy.stdout.contains("then 3 live entries"), "\(copy.stdout)\(copy.stderr)")
        let extreme = try ctl(["audit", "archive", "--data-dir", dir.file("hub"), "--before", "99999d", "--out", out], [:])
        #expect(extreme.status != 0 && extreme.stderr.contains("--before"), "\(extreme.stderr)")
    }
}
