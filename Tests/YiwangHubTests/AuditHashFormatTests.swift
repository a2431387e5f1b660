import Foundation
import GRDB
import Testing
import YiwangCore
import YiwangTesting

@testable import YiwangStore

/// The journal's hashes as 32-byte blobs, with no stored previous hash, beside the hex rows older hubs wrote:
/// one chain that verifies, pages and archives that read as before, and every kind of tampering still found.
@Suite struct AuditHashFormatTests {
    static let now: Int64 = 1_790_000_000_000

    /// A hub file whose entries were written the old way (hex `prev_hash` and `hash`), then upgraded in place:
    /// new entries in the new form follow the old ones in the same chain.
    @Test func anOldHubsHexEntriesAndNewEntriesFormOneChain() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("hub.sqlite")
        let grants: Set<String> = ["population"]
        let policies: [String: MergePolicy] = ["population": .lww]
        do {
            let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
            let versions = Fixtures.versions(node: Fixtures.city, count: 3, hlcMs: Self.now - 5_000)
            let batch = Fixtures.batch(node: Fixtures.city, firstSeq: 1, versions, clockMs: Self.now)
            _ = try store.applySync(batch: batch, policies: policies, grants: grants, nowMs: Self.now)
            try store.close()
            // The rows exactly as the old writer stored them: the same hashes, in hex, each with its previous.
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                try db.execute(
                    sql: """
                        UPDATE audit SET prev_hash = CASE WHEN seq = 1 THEN '\(AuditHash.genesis.hex)'
                            ELSE (SELECT lower(hex(p.hash)) FROM audit p WHERE p.seq = audit.seq - 1) END;
                        UPDATE audit SET hash = lower(hex(hash));
                        """)
            }
        }
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        // After the upgrade: key-1 rewritten (its history spans both forms) and a new key.
        let later = [
            Fixtures.version(node: Fixtures.city, counter: 4, key: "key-1", value: #"{"name":"Wang"}"#, hlcMs: Self.now),
            Fixtures.version(node: Fixtures.city, counter: 5, key: "key-9", hlcMs: Self.now),
        ]
        let batch = Fixtures.batch(node: Fixtures.city, firstSeq: 4, later, clockMs: Self.now)
        #expect(try store.applySync(batch: batch, policies: policies, grants: grants, nowMs: Self.now).applied == 2)

        let forms = try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT typeof(hash) AS h, typeof(prev_hash) AS p, length(prev_hash) AS n FROM audit ORDER BY seq")
                .map { "\($0["h"] as String)/\($0["p"] as String)/\($0["n"] as Int)" }
        }
        #expect(forms == ["text/text/64", "text/text/64", "text/text/64", "blob/blob/0", "blob/blob/0"])

        let head = try await store.auditHead()
        #expect(head.seq == 5)
        #expect(try await store.verifyAudit(expecting: head).isIntact)
        #expect(try await store.history(dataset: "population", key: "key-1").map(\.vector) == ["430100:1", "430100:4"])

        // Pages give every entry its previous hash, whichever form stored it, also from the middle.
        let entries = try await store.auditEntries(from: 1, limit: 100)
        #expect(entries.map(\.seq) == [1, 2, 3, 4, 5])
        #expect(entries.map(\.prevHash) == [AuditHash.genesis] + entries.dropLast().map(\.hash))
        #expect(try await store.auditEntries(from: 4, limit: 1).first?.prevHash == entries[2].hash)
        // An archive segment of them reads back and verifies as one chain.
        let (_, decoded) = try AuditSegmentCodec.decode(try AuditSegmentCodec.encode(entries, prev: .genesis))
        #expect(AuditChainVerifier.verify(decoded).isIntact)
        try store.close()

        let tampers = [
            "UPDATE audit SET detail = replace(detail, 'clerk-7', 'clerk-8') WHERE seq = 2",  // an old entry edited
            "UPDATE audit SET detail = replace(detail, 'clerk-7', 'clerk-8') WHERE seq = 4",  // a new one edited
            "UPDATE audit SET hash = zeroblob(32) WHERE seq = 4",  // a new entry's hash replaced
            "DELETE FROM audit WHERE seq = 4",  // a new entry deleted in the middle
            "DELETE FROM audit WHERE seq = 3",  // the last old entry deleted
            "INSERT INTO audit(seq, at_ms, kind, node, dataset, key, detail, prev_hash, hash) "
                + "SELECT 6, at_ms, kind, node, dataset, key, detail, prev_hash, hash FROM audit WHERE seq = 5",
            "DELETE FROM audit WHERE seq = 5",  // the newest deleted: found against the exported head
        ]
        for (i, sql) in tampers.enumerated() {
            let copy = dir.file("copy-\(i).sqlite")
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            if FileManager.default.fileExists(atPath: path + "-wal") {
                try FileManager.default.copyItem(atPath: path + "-wal", toPath: copy + "-wal")
            }
            let queue = try DatabaseQueue(path: copy)
            try await queue.write { db in try db.execute(sql: sql) }
            #expect(!(try AuditFile.verify(path: copy, expecting: head).1.isIntact), "tamper \(i) not found: \(sql)")
        }
        #expect(try AuditFile.verify(path: path, expecting: head).1.isIntact)
    }
}
