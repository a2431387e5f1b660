import Foundation
import GRDB
import Testing
import YiwangTesting

/// `yiwangctl audit verify` against a real hub and a copy of its file: an edited record is named (dataset and
/// key, never the value) by both, after an untouched log verified.
@Suite(.serialized) struct AuditVerifyCommandTests {
    @Test(.timeLimit(.minutes(1)))
    func editedRecordIsFoundLiveAndOnACopy() async throws {
        let province = try await CtlProvince.start()
        defer { province.dir.remove() }
        let (put, _) = try await province.putAndAwaitAtHub(key: "p-1", value: "{\"name\":\"Zhang San\"}", actor: "clerk.7")
        #expect(put.status == 0, "\(put.stderr)")
        let env = province.environment
        let intact = try CommandRun.run("yiwangctl", ["audit", "verify"], environment: env)
        #expect(intact.status == 0 && intact.stdout.contains("audit log intact"), "\(intact.stdout)\(intact.stderr)")

        let queue = try DatabaseQueue(path: province.hubDatabase)
        try await queue.write { db in
            try db.execute(sql: "UPDATE records SET value = '{\"name\":\"Li Si\"}' WHERE key = 'p-1'")
        }
        try queue.close()
        let live = try CommandRun.run("yiwangctl", ["audit", "verify"], environment: env)
        #expect(live.status != 0)
        let output = live.stdout + live.stderr
        #expect(output.contains("record \"population\"/\"p-1\""), "\(output)")
        #expect(!output.contains("Li Si") && !output.contains("Zhang San"))

        await province.stop()
        let copy = try CommandRun.run("yiwangctl", ["audit", "verify", "--file", province.hubDatabase])
        #expect(copy.status != 0 && (copy.stdout + copy.stderr).contains("record \"population\"/\"p-1\""))
    }
}
