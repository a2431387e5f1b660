import Foundation
import GRDB
import Testing
import YiwangCore
import YiwangStore
import YiwangTesting

/// Issue 13 class 8 at the hub: `audit verify` also checks every record's stored state against the audit
/// entries that produced it, so an edited `records` row is found, named by dataset and key, never by value.
@Suite struct AuditRecordStateTests {
    static let now: Int64 = 1_790_000_000_000

    /// A hub file with an lww conflict and its resolution, siblings and a delete.
    static func hubFile(_ dir: TemporaryDirectory) throws -> String {
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        let policies: [String: MergePolicy] = ["population": .lww, "social_security": .siblings]
        func send(_ node: String, _ firstSeq: UInt64, _ versions: [Version]) throws {
            let batch = Fixtures.batch(node: node, firstSeq: firstSeq, versions, clockMs: now)
            let outcome = try store.applySync(
                batch: batch, policies: policies, grants: ["population", "social_security"], nowMs: now)
            #expect(outcome.ack.rejected.isEmpty)
        }
        let city = Fixtures.city, other = Fixtures.otherCity
        func v(
            _ node: String, _ counter: UInt64, _ key: String, _ ms: Int64, dataset: String = "population",
            extra: [String: UInt64] = [:]
        ) -> Version {
            Fixtures.version(
                node: node, counter: counter, dataset: dataset, key: key, value: #"{"name":"Li \#(ms)"}"#,
                hlcMs: now - 10_000 + ms, extra: extra)
        }
        try send(other, 1, [v(other, 1, "p", 1), v(other, 2, "s", 2, dataset: "social_security")])
        try send(city, 1, [v(city, 1, "p", 3), v(city, 2, "s", 4, dataset: "social_security"), v(city, 3, "q", 5)])
        var tombstone = v(city, 5, "q", 7, extra: [:])
        tombstone.operation = .delete
        tombstone.value = nil
        // p's conflict resolved by a write that dominates both, then q deleted. (An obsolete version cannot come
        // from its origin any more: its own counter must be the change's sequence.)
        try send(city, 4, [v(city, 4, "p", 6, extra: [other: 1]), tombstone])
        try store.close()
        return dir.file("hub.sqlite")
    }

    @Test(.timeLimit(.minutes(1))) func untouchedFileVerifiesWithConflictsSiblingsAndDeletes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try Self.hubFile(dir)
        let (kind, result) = try AuditFile.verify(path: file)
        #expect(kind == .hub)
        #expect(result.isIntact, "\(String(describing: result.problem))")
        let siblings = try DatabaseQueue(path: file).read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM records WHERE siblings IS NOT NULL")
        }
        #expect(siblings == 1)
    }

    @Test(
        .timeLimit(.minutes(1)),
        arguments: [
            ("UPDATE records SET value = '{\"name\":\"Wang\"}' WHERE key = 'p'", "population", "p"),
            ("UPDATE records SET actor = 'mallory' WHERE key = 'p'", "population", "p"),
            ("UPDATE records SET vector = '430100:1,430200:9' WHERE key = 'p'", "population", "p"),
            ("UPDATE records SET hlc = hlc + 65536 WHERE key = 's'", "social_security", "s"),
            ("UPDATE records SET siblings = NULL WHERE key = 's'", "social_security", "s"),
            ("UPDATE records SET op = 1, value = '{\"name\":\"back\"}' WHERE key = 'q'", "population", "q"),
            ("INSERT INTO records SELECT dataset, 'p2', vector, winner_vector, hlc, origin, actor, op, value, siblings,"
                + " NULL FROM records WHERE key = 'p'", "population", "p2"),
        ])
    func editedRecordIsNamedByDatasetAndKey(_ sql: String, _ dataset: String, _ key: String) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try Self.hubFile(dir)
        let copy = dir.file("copy.sqlite")
        try FileManager.default.copyItem(atPath: file, toPath: copy)
        let queue = try DatabaseQueue(path: copy)
        try await queue.write { db in try db.execute(sql: sql) }
        try queue.close()
        let result = try AuditFile.verify(path: copy).1
        let reason = try #require(result.problem?.reason, "not found: \(sql)")
        #expect(reason.contains("record \"\(dataset)\"/\"\(key)\""), "\(reason)")
        #expect(!reason.contains("Wang") && !reason.contains("Li ") && !reason.contains("back"))
    }
}
