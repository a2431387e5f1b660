import Foundation
import GRDB
import Testing
import YiwangCore
import YiwangStore
import YiwangTesting

/// The node's hash chain over its outbox: written with each entry, kept across pruning, and every tamper case
/// found by `AuditFile.verify` (what `yiwangctl audit verify --file edge.sqlite` runs) on a copy of the file.
@Suite struct OutboxChainTests {
    static func copy(_ source: String, to target: String) throws {
        try FileManager.default.copyItem(atPath: source, toPath: target)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: source + suffix) {
            try FileManager.default.copyItem(atPath: source + suffix, toPath: target + suffix)
        }
    }

    @Test(.timeLimit(.minutes(1))) func chainSurvivesPruningAndFindsEachTamperCase() async throws {
        try await withTemporaryDirectory { dir in
            let clock = ManualClock(1_700_000_000_000)
            let store = try openStore(dir, clock: clock)
            _ = try await store.apply((1...10).map { put("k\($0)") })
            try await store.applyAck(highWater: 6, rejected: [], nowMs: clock.nowMs())
            #expect(try await store.prune(ackedBeforeMs: clock.nowMs() + 1) == 6)
            _ = try await store.apply([put("k11"), put("k12")])
            let file = dir.file("edge.sqlite")
            let (kind, result) = try AuditFile.verify(path: file)
            #expect(kind == .edge && result.isIntact && result.checked == 6 && result.head.seq == 12)
            let head = try AuditFile.head(path: file)
            #expect(head == result.head)

            let tampers = [
                "UPDATE outbox SET actor = 'mallory' WHERE seq = 8",
                "DELETE FROM outbox WHERE seq = 9",
                "UPDATE outbox SET seq = -seq WHERE seq IN (9, 10); UPDATE outbox SET seq = 19 - (-seq) WHERE seq < 0",
                "INSERT INTO outbox SELECT 13, dataset, key, vector, hlc, origin, actor, op, value, committed_at_ms,"
                    + " status, reason, acked_at_ms, prev_hash, hash FROM outbox WHERE seq = 12",
            ]
            for (i, sql) in tampers.enumerated() {
                let copy = dir.file("copy-\(i).sqlite")
                try Self.copy(file, to: copy)
                let queue = try DatabaseQueue(path: copy)
                try await queue.write { db in try db.execute(sql: sql) }
                try queue.close()
                let found = try AuditFile.verify(path: copy, expecting: head).1
                #expect(!found.isIntact, "tamper \(i) not found: \(sql)")
            }
        }
    }
}
