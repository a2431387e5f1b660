import Foundation
import GRDB
import Testing
import YiwangCore
import YiwangTesting

@testable import YiwangStore

/// Blame follows each record's links through the audit log (no `(dataset, key)` index): every version the hub
/// saw, in order, for hubs created now and for hubs upgraded from the indexed schema.
@Suite struct AuditRecordLinksTests {
    @Test func historyOfInterleavedRecordsWithAConflictAndAnObsoleteVersion() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        let now: Int64 = 1_790_000_000_000
        let policies: [String: MergePolicy] = ["population": .lww]
        func send(_ node: String, _ firstSeq: UInt64, _ versions: [Version], refused: [UInt64] = []) throws {
            let batch = Fixtures.batch(node: node, firstSeq: firstSeq, versions, clockMs: now)
            let outcome = try store.applySync(batch: batch, policies: policies, grants: ["population"], nowMs: now)
            #expect(outcome.ack.rejected.map(\.seq) == refused)
        }
        let city = Fixtures.city, other = Fixtures.otherCity
        func v(_ node: String, _ counter: UInt64, _ key: String, _ ms: Int64, extra: [String: UInt64] = [:]) -> Version {
            Fixtures.version(node: node, counter: counter, key: key, hlcMs: now - 10_000 + ms, extra: extra)
        }
        // p: other 1; city 1 after it (dominates); other's 1 again under a new seq (refused: a node's own
        // counter is the change's sequence, so it cannot be taken for obsolete); city 2 and a concurrent
        // other 2 (conflict). q and r interleave in the same batches.
        try send(other, 1, [v(other, 1, "p", 1), v(other, 2, "q", 2)])
        try send(city, 1, [v(city, 1, "r", 3), v(city, 2, "p", 4, extra: [other: 1]), v(city, 3, "r", 5)])
        try send(other, 3, [v(other, 1, "p", 1), v(other, 4, "q", 6)], refused: [3])
        try send(city, 4, [v(city, 4, "p", 7, extra: [other: 1])])
        try send(other, 5, [v(other, 5, "p", 8, extra: [other: 1])])

        let p = try await store.history(dataset: "population", key: "p")
        #expect(p.map(\.origin) == [other, city, city, other])
        #expect(p.map(\.vector) == ["430200:1", "430100:2,430200:1", "430100:4,430200:1", "430200:5"])
        #expect(p.map(\.status) == [.superseded, .superseded, .lost, .visible])
        #expect(p.map(\.auditSeq) == p.map(\.auditSeq).sorted())
        #expect(try await store.history(dataset: "population", key: "q").map(\.vector) == ["430200:2", "430200:4"])
        #expect(try await store.history(dataset: "population", key: "r").count == 2)
        #expect(try await store.history(dataset: "population", key: "absent").isEmpty)
        #expect(try await store.verifyAudit(expecting: nil).isIntact)
    }

    /// A hub file from before the links (entries found by the index) reads the same history after the upgrade.
    @Test func upgradeFromTheIndexedSchema() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("hub.sqlite")
        do {
            let pool = try DatabasePool(path: path)
            try HubSchema.migrator.migrate(pool, upTo: "v2-credentials")
            try pool.write { db in
                for key in ["p", "q"] {
                    try db.execute(
                        sql: """
                            INSERT INTO records(dataset, key, vector, winner_vector, hlc, origin, actor, op, value)
                            VALUES ('population', ?, 'a:1', 'a:1', 1, 'a', 'clerk', 1, '{}')
                            """, arguments: [key])
                }
                let rows: [(String, String)] = [
                    ("apply", "p"), ("apply", "q"), ("apply", "p"), ("conflict", "p"), ("reject_change", "p"),
                    ("apply", "q"),
                ]
                for (index, (kind, key)) in rows.enumerated() {
                    try db.execute(
                        sql: """
                            INSERT INTO audit(seq, at_ms, kind, node, dataset, key, detail, prev_hash, hash)
                            VALUES (?, 0, ?, 'a', 'population', ?, '{}', '', '')
                            """, arguments: [index + 1, kind, key])
                }
            }
        }
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        func entries(_ key: String) throws -> [Int64] {
            try store.pool.read { db in try AuditTable.recordHistory(db, dataset: "population", key: key).entries.map(\.seq) }
        }
        #expect(try entries("p") == [1, 3, 4])
        #expect(try entries("q") == [2, 6])
        let (oldIndex, plan) = try store.pool.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE name = 'audit_by_record'"),
                try Row.fetchAll(
                    db,
                    sql: "EXPLAIN QUERY PLAN SELECT seq FROM audit WHERE dataset = 'population' AND key = 'p' AND "
                        + AuditTable.legacyFilter(6)
                ).map { $0["detail"] as String? ?? "" }.joined(separator: " ")
            )
        }
        #expect(oldIndex == 0)  // new entries no longer pay for it
        #expect(plan.contains("audit_by_record_legacy"))  // old entries are still found without a scan

        // After the upgrade: a concurrent version of p (an apply and a conflict entry) joins its history.
        let now: Int64 = 1_790_000_000_000
        let version = Fixtures.version(node: Fixtures.city, counter: 1, key: "p", hlcMs: now - 1_000)
        let batch = Fixtures.batch(node: Fixtures.city, firstSeq: 1, [version], clockMs: now)
        let outcome = try store.applySync(batch: batch, policies: ["population": .lww], grants: ["population"], nowMs: now)
        #expect(outcome.conflicts == 1)
        #expect(try entries("p") == [1, 3, 4, 7, 8])
        #expect(try entries("q") == [2, 6])
    }
}
