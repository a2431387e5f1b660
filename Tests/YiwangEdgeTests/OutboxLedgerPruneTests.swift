import Foundation
import GRDB
import Testing
import YiwangCore
import YiwangStore
import YiwangTesting

/// Issue 15: the outbox ledger is bounded. Entries older than the outbox retention are pruned by the node's
/// prune job, leaving a chained anchor, and `verify` still checks everything that remains from there.
@Suite struct OutboxLedgerPruneTests {
    static let retentionMs: Int64 = 3_600_000  // 1 h
    static let minutes = 600  // 10 h of a node writing and syncing every minute

    /// A node writing two entries a minute, acknowledged each minute, its prune job run each minute as the
    /// uplink runs it (outbox, then ledger, both older than the retention). Entry 3 was refused by the hub and
    /// stays quarantined (the prune keeps it). Returns the file and the store.
    static func busyNode(_ dir: TemporaryDirectory, batch: Int = 5_000) async throws -> (String, EdgeStore) {
        let clock = ManualClock(1_700_000_000_000)
        let store = try openStore(dir, clock: clock)
        var written: UInt64 = 0
        for minute in 1...minutes {
            _ = try await store.apply([put("k\(minute)-a"), put("k\(minute)-b")])
            written += 2
            clock.advance(ms: 60_000)
            let refused = minute == 2 ? [SyncAck.Rejection(seq: 3, error: "invalid_field", message: "refused")] : []
            try await store.applyAck(highWater: written, rejected: refused, nowMs: clock.nowMs())
            let before = clock.nowMs() - retentionMs
            try await store.prune(ackedBeforeMs: before)
            try await store.pruneLedger(olderThanMs: before, batch: batch)
        }
        return (dir.file("edge.sqlite"), store)
    }

    static func ledgerKinds(_ file: String) throws -> [String: Int] {
        try DatabaseQueue(path: file).read { db in
            var kinds: [String: Int] = [:]
            for kind in try String.fetchAll(db, sql: "SELECT kind FROM outbox_ledger") { kinds[kind, default: 0] += 1 }
            return kinds
        }
    }

    @Test(.timeLimit(.minutes(2))) func ledgerStaysAboutOneRetentionLongAndVerifies() async throws {
        try await withTemporaryDirectory { dir in
            let (file, store) = try await Self.busyNode(dir)
            // 600 acknowledgements and 540 prunes were recorded; only about the last hour's are kept: per minute
            // one `ack`, one `prune` and one `ledger_pruned`, for the 60 minutes of the retention (+ the edges).
            let count = try await store.ledgerEntryCount()
            #expect(count >= 3 * 60 && count <= 3 * 62, "ledger holds \(count) entries")
            let kinds = try Self.ledgerKinds(file)
            #expect(kinds["ack"].map { (60...61).contains($0) } == true, "\(kinds)")
            let (kind, result) = try AuditFile.verify(path: file)
            #expect(kind == .edge)
            #expect(result.isIntact, "\(String(describing: result.problem))")
            #expect(result.head.seq == Int64(2 * Self.minutes))
            // The quarantined entry (below the anchor now) and the last hour's entries are checked.
            let stored = try await DatabaseQueue(path: file).read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox") ?? 0
            }
            #expect(result.checked == stored && stored > 100 && stored < 130, "\(stored) stored")
            let anchor = try await DatabaseQueue(path: file).read { db in
                try Row.fetchOne(db, sql: "SELECT outbox_seq, held FROM outbox_ledger_anchor")
                    .map { (seq: $0["outbox_seq"] as Int64, held: $0["held"] as Int64) }
            }
            // The anchor is past the quarantined entry 3, which it holds (1 row) in its digest.
            #expect(anchor?.held == 1 && (anchor?.seq ?? 0) > 900, "\(String(describing: anchor))")
        }
    }

    @Test(.timeLimit(.minutes(2))) func shortTransactionsPruneTheSame() async throws {
        try await withTemporaryDirectory { dir in
            let (file, store) = try await Self.busyNode(dir, batch: 7)
            let count = try await store.ledgerEntryCount()
            #expect(count <= 3 * 62 + 10, "ledger holds \(count) entries")
            let result = try AuditFile.verify(path: file).1
            #expect(result.isIntact, "\(String(describing: result.problem))")
        }
    }

    /// Each tamper (SQL on a copy of the pruned file) and a word the problem must name.
    static let tampers: [(String, String)] = [
        // A stored outbox row in the middle deleted, counters edited to match.
        ("DELETE FROM outbox WHERE seq = (SELECT seq FROM outbox WHERE status = 'acked' ORDER BY seq LIMIT 1 OFFSET 30);"
            + " UPDATE meta SET value = value + 1 WHERE name = 'outbox_pruned'", "is missing"),
        // The quarantined row below the anchor deleted.
        ("DELETE FROM outbox WHERE seq = 3", "at or below the ledger's anchor"),
        // The quarantined row below the anchor edited.
        ("UPDATE outbox SET actor = 'mallory' WHERE seq = 3", "was edited"),
        // The anchor moved forward over deleted rows, linked to the next stored row so the outbox walk agrees.
        ("DELETE FROM outbox WHERE seq = (SELECT MIN(seq) FROM outbox WHERE seq > 3);"
            + " UPDATE outbox_ledger_anchor SET outbox_seq = (SELECT MIN(seq) FROM outbox WHERE seq > 3) - 1,"
            + " outbox_hash = (SELECT prev_hash FROM outbox WHERE seq = (SELECT MIN(seq) FROM outbox WHERE seq > 3))",
            "anchor was edited"),
        ("UPDATE outbox_ledger_anchor SET acked_max = 0", "anchor was edited"),
        ("DELETE FROM outbox_ledger_anchor", "ledger: seq"),
        // A remaining ledger row deleted (an ack in the middle), and the newest one.
        ("DELETE FROM outbox_ledger WHERE seq = (SELECT seq FROM outbox_ledger WHERE kind = 'ack' ORDER BY seq LIMIT 1 OFFSET 20)",
            "ledger"),
        // The chained record of the anchor edited to match an edited anchor.
        ("UPDATE outbox_ledger_anchor SET acked_max = 0;"
            + " UPDATE outbox_ledger SET detail = replace(detail, '\"acked\":', '\"acked\":0') WHERE kind = 'ledger_pruned'",
            "ledger"),
    ]

    @Test(.timeLimit(.minutes(2))) func tamperingAfterPruningIsCaught() async throws {
        try await withTemporaryDirectory { dir in
            let (file, _) = try await Self.busyNode(dir)
            for (index, (sql, word)) in Self.tampers.enumerated() {
                let result = try await OutboxLedgerTests.tampered(file, sql, "t\(index)")
                #expect(!result.isIntact, "not found: \(sql)")
                #expect(result.problem?.description.contains(word) == true, "\(sql): \(String(describing: result.problem))")
            }
        }
    }

    @Test(.timeLimit(.minutes(2))) func exportedHeadIsCheckedOrSaidToBeTooOld() async throws {
        try await withTemporaryDirectory { dir in
            let (file, store) = try await Self.busyNode(dir)
            let head = try AuditFile.head(path: file)
            #expect(try AuditFile.verify(path: file, expecting: head).1.isIntact)
            let held = try #require(try await store.outboxEntry(seq: 3))
            #expect(held.status == .quarantined)
            let old = AuditHead(seq: 10, hash: .genesis)
            let result = try AuditFile.verify(path: file, expecting: old).1
            #expect(result.problem?.description.contains("older than the pruned ledger") == true)
        }
    }

    /// A file from before the anchor (its ledger from seq 1) gets the table at its next start; its first prune
    /// folds the ledger from the start.
    @Test(.timeLimit(.minutes(1))) func fileFromBeforeTheAnchorIsMigrated() async throws {
        try await withTemporaryDirectory { dir in
            let clock = ManualClock(1_700_000_000_000)
            do {
                let store = try openStore(dir, clock: clock)
                for n in 1...20 {
                    _ = try await store.apply([put("k\(n)")])
                    try await store.applyAck(highWater: UInt64(n), rejected: [], nowMs: clock.nowMs())
                    clock.advance(ms: 1_000)
                }
            }
            let file = dir.file("edge.sqlite")
            let queue = try DatabaseQueue(path: file)
            try await queue.write { db in
                try db.execute(
                    sql: "DROP TABLE outbox_ledger_anchor; DELETE FROM grdb_migrations WHERE identifier = 'v8-ledger-anchor'")
            }
            try queue.close()
            #expect(try AuditFile.verify(path: file).1.isIntact)

            let store = try openStore(dir, clock: clock)
            clock.advance(ms: 10_000)
            #expect(try await store.prune(ackedBeforeMs: clock.nowMs()) == 20)
            clock.advance(ms: 1_000)
            #expect(try await store.pruneLedger(olderThanMs: clock.nowMs()) == 21)  // 20 acks and the prune
            #expect(try await store.ledgerEntryCount() == 1)  // the `ledger_pruned` entry with the anchor
            let result = try AuditFile.verify(path: file).1
            #expect(result.isIntact, "\(String(describing: result.problem))")
            _ = try await store.apply([put("k21")])
            try await store.applyAck(highWater: 21, rejected: [], nowMs: clock.nowMs())
            let after = try AuditFile.verify(path: file).1
            #expect(after.isIntact && after.head.seq == 21, "\(String(describing: after.problem))")
        }
    }
}
