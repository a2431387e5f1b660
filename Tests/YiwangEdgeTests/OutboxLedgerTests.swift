import Foundation
import GRDB
import Testing
import YiwangCore
import YiwangStore
import YiwangTesting

/// Issue 13 class 8 at the edge: acknowledgements and prunes are chained ledger entries, so an outbox entry
/// deleted in the middle is found by `AuditFile.verify` (`yiwangctl audit verify --file edge.sqlite`) however
/// the counters around it are edited.
@Suite struct OutboxLedgerTests {
    /// Ten entries; 1...4 and 6 acknowledged and pruned, 5 quarantined in between (so the prune has two runs).
    static func prunedStore(_ dir: TemporaryDirectory) async throws -> String {
        let clock = ManualClock(1_700_000_000_000)
        let store = try openStore(dir, clock: clock)
        _ = try await store.apply((1...10).map { put("k\($0)") })
        let rejection = SyncAck.Rejection(seq: 5, error: "invalid_field", message: "refused")
        try await store.applyAck(highWater: 6, rejected: [rejection], nowMs: clock.nowMs())
        try await store.applyAck(highWater: 6, rejected: [], nowMs: clock.nowMs())  // a heartbeat: no new entry
        #expect(try await store.prune(ackedBeforeMs: clock.nowMs() + 1) == 5)
        try await store.applyAck(highWater: 8, rejected: [], nowMs: clock.nowMs())
        return dir.file("edge.sqlite")
    }

    static func tampered(_ file: String, _ sql: String, _ name: String) async throws -> AuditVerification {
        let copy = file + "-" + name
        try OutboxChainTests.copy(file, to: copy)
        let queue = try DatabaseQueue(path: copy)
        try await queue.write { db in try db.execute(sql: sql) }
        try queue.close()
        return try AuditFile.verify(path: copy).1
    }

    @Test(.timeLimit(.minutes(1))) func untouchedFileVerifiesAcrossPrunesWithHoles() async throws {
        try await withTemporaryDirectory { dir in
            let file = try await Self.prunedStore(dir)
            let (kind, result) = try AuditFile.verify(path: file)
            #expect(kind == .edge)
            #expect(result.isIntact, "\(String(describing: result.problem))")
            #expect(result.checked == 5 && result.head.seq == 10)
            let ledger = try await DatabaseQueue(path: file).read { db in
                try String.fetchAll(db, sql: "SELECT kind FROM outbox_ledger ORDER BY seq")
            }
            #expect(ledger == ["ack", "prune", "prune", "ack"])  // one ack per move of the cursor, one prune per run
        }
    }

    /// Each tamper (SQL on a copy) and the seq `verify` must name.
    static let tampers: [(String, Int64)] = [
        // Deleting an entry in the middle, with the counters edited to match.
        ("DELETE FROM outbox WHERE seq = 8; UPDATE meta SET value = value + 1 WHERE name = 'outbox_pruned'", 8),
        ("DELETE FROM outbox WHERE seq = 7; UPDATE meta SET value = value + 1 WHERE name = 'outbox_pruned';"
            + " UPDATE meta SET value = 6 WHERE name = 'acked_through'", 7),
        // Deleting the quarantined entry between two pruned runs.
        ("DELETE FROM outbox WHERE seq = 5; UPDATE meta SET value = value + 1 WHERE name = 'outbox_pruned'", 5),
        // Deleting acknowledged entries at the end of the outbox.
        ("DELETE FROM outbox WHERE seq >= 8;"
            + " UPDATE meta SET value = 7 WHERE name IN ('acked_through', 'highest_seq')",
            8),
        // Widening a prune over entry 7 without fixing its hashes.
        ("UPDATE outbox_ledger SET detail = replace(detail, '\"through\":6', '\"through\":7') WHERE kind = 'prune';"
            + " DELETE FROM outbox WHERE seq = 7", 3),  // the ledger's entry 3 (the second prune) fails its hash
    ]

    @Test(.timeLimit(.minutes(1)), arguments: tampers)
    func deletedEntryIsNamedHoweverTheCountersAreEdited(_ sql: String, _ seq: Int64) async throws {
        try await withTemporaryDirectory { dir in
            let file = try await Self.prunedStore(dir)
            let result = try await Self.tampered(file, sql, "t")
            #expect(!result.isIntact, "not found: \(sql)")
            #expect(result.problem?.seq == seq, "\(String(describing: result.problem))")
        }
    }

    /// A file from before the ledger (its gaps counted in `meta` only) gets one at its next start, and keeps
    /// verifying while it is written, acknowledged and pruned on.
    @Test(.timeLimit(.minutes(1))) func fileFromBeforeTheLedgerIsMigrated() async throws {
        try await withTemporaryDirectory { dir in
            let clock = ManualClock(1_700_000_000_000)
            do {
                let store = try openStore(dir, clock: clock)
                _ = try await store.apply((1...6).map { put("k\($0)") })
                try await store.applyAck(highWater: 3, rejected: [], nowMs: clock.nowMs())
                #expect(try await store.prune(ackedBeforeMs: clock.nowMs() + 1) == 3)
            }
            let file = dir.file("edge.sqlite")
            let queue = try DatabaseQueue(path: file)
            try await queue.write { db in
                try db.execute(
                    sql: "DROP TABLE outbox_ledger; DELETE FROM grdb_migrations WHERE identifier = 'v3-outbox-ledger'")
            }
            try queue.close()
            #expect(try AuditFile.verify(path: file).1.isIntact)  // the legacy check, by the pruned count

            let store = try openStore(dir, clock: clock)
            #expect(try AuditFile.verify(path: file).1.isIntact)
            _ = try await store.apply([put("k7")])
            try await store.applyAck(highWater: 7, rejected: [], nowMs: clock.nowMs())
            #expect(try await store.prune(ackedBeforeMs: clock.nowMs() + 1) == 4)
            let result = try AuditFile.verify(path: file).1
            #expect(result.isIntact, "\(String(describing: result.problem))")
            #expect(result.head.seq == 7)
        }
    }
}
