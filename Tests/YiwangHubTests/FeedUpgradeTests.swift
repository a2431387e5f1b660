import Foundation
import GRDB
import Testing
import YiwangCore
import YiwangTesting

@testable import YiwangStore

/// A hub upgraded to the journal (migration `v6-journal`) from a file whose feed was a table of its own: a node's
/// cursor into the old table continues into the journal without a gap or a duplicate, and the positions number
/// on above the old head.
@Suite struct FeedUpgradeTests {
    static let t0: Int64 = 1_790_000_000_000

    /// A v5-era hub file, written as that hub wrote it: per change a record, a feed row and a chained `apply`
    /// entry (and one refused change, so the journal's seqs and the old feed's positions differ); a downlink
    /// row for the county at cursor 3.
    static func writeV5Hub(at path: String, keys: Int) throws -> [Version] {
        let pool = try DatabasePool(path: path)
        try HubSchema.migrator.migrate(pool, upTo: "v5-node-protocols")
        var versions: [Version] = []
        try pool.write { db in
            var head = AuditHead.empty
            func append(kind: String, dataset: String, key: String, detail: String) throws -> Int64 {
                let seq = head.seq + 1
                let hash = AuditEntry.chainHash(
                    prev: head.hash, seq: seq, atMs: t0, kind: kind, node: Fixtures.city, dataset: dataset, key: key,
                    detail: detail)
                try db.execute(
                    sql: """
                        INSERT INTO audit(seq, at_ms, kind, node, dataset, key, detail, prev_hash, hash)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [seq, t0, kind, Fixtures.city, dataset, key, detail, head.hash.hex, hash.hex])
                head = AuditHead(seq: seq, hash: hash)
                return seq
            }
            _ = try append(kind: "reject_change", dataset: "population", key: "bad", detail: "{}")
            for i in 1...keys {
                let version = Fixtures.version(
                    node: Fixtures.city, counter: UInt64(i), key: "key-\(i)", value: #"{"i":\#(i)}"#, hlcMs: t0)
                let seq = try append(
                    kind: "apply", dataset: version.dataset, key: version.key,
                    detail: AuditDetail.applied(version, seq: UInt64(i), outcome: "applied"))
                try RecordTable.store(
                    db, dataset: version.dataset, key: version.key, state: RecordState(single: version), auditLink: seq)
                try db.execute(
                    sql: """
                        INSERT INTO feed(dataset, key, origin, vector, hlc, actor, op, value)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        version.dataset, version.key, version.origin, version.vector.description, version.hlc.packed,
                        version.actor, 1, version.value,
                    ])
                versions.append(version)
            }
            try db.execute(
                sql: "INSERT INTO nodes(id, high_water) VALUES (?, ?)", arguments: [Fixtures.city, keys])
            try db.execute(
                sql: "INSERT INTO downlinks(node, cursor, last_pull_ms) VALUES (?, 3, ?)",
                arguments: [Fixtures.county, t0])
        }
        try pool.close()
        return versions
    }

    static func pull(_ store: HubStore, since: Int64, limit: Int) async throws -> FeedPage {
        try await store.feedPage(node: Fixtures.county, since: since, datasets: ["population"], limit: limit)
    }

    @Test func anOldCursorContinuesIntoTheJournalWithoutGapOrDuplicate() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let old = try Self.writeV5Hub(at: dir.file("hub.sqlite"), keys: 5)
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        // The old table's head (5) stays the head, and the county's cursor (3) still means the same place.
        #expect(try await store.feedHead() == 5)
        let (head, downlinks) = try await store.downlinks()
        #expect(head == 5 && downlinks[Fixtures.county]?.cursor == 3)

        let new = (6...8).map { i in
            Fixtures.version(node: Fixtures.city, counter: UInt64(i), key: "key-\(i)", hlcMs: Self.t0 + 1_000)
        }
        let batch = Fixtures.batch(node: Fixtures.city, firstSeq: 6, new, clockMs: Self.t0 + 1_000)
        let outcome = try store.applySync(
            batch: batch, policies: ["population": .lww], grants: ["population"], nowMs: Self.t0 + 1_000)
        #expect(outcome.applied == 3)
        // Journal entries 7, 8, 9 (after the old 6) are positions 6, 7, 8: numbered on above the old head.
        #expect(try await store.feedHead() == 8)

        // From the node's old cursor, two at a time: across the old table into the journal, in order, each once.
        var cursor: Int64 = 3
        var received: [Version] = []
        var cursors: [Int64] = []
        while true {
            let page = try await Self.pull(store, since: cursor, limit: 2)
            received += page.versions
            cursor = page.cursor
            cursors.append(cursor)
            if !page.more { break }
        }
        #expect(received == Array(old[3...]) + new)
        #expect(cursors == [5, 7, 8])
        // The whole feed from 0, and a cursor exactly at the old head, both continue without a gap.
        #expect(try await Self.pull(store, since: 0, limit: 100).versions == old + new)
        #expect(try await Self.pull(store, since: 5, limit: 100).versions == new)
        #expect(try await Self.pull(store, since: 8, limit: 100).versions.isEmpty)
        #expect(try await store.verifyAudit(expecting: nil).isIntact)
        #expect(try await store.history(dataset: "population", key: "key-2").count == 1)

        // Compaction past the old entries only: the old table goes, the horizon is its head, and a node at it
        // still gets every new version.
        let partial = try await store.compact(nowMs: Self.t0 + 500, retentionMs: 0)
        #expect(partial.compactedSeq == 6 && partial.compactedPosition == 5 && partial.legacyFeedRowsDeleted == 5)
        #expect(try await Self.pull(store, since: 5, limit: 100).versions == new)
        #expect(try await store.feedHead() == 8)
    }

    /// A hub from before the feed (schema v1): the v2 upgrade backfills the old table from the records, the
    /// journal numbers on above it.
    @Test func aVeryOldFileIsBackfilledAndThenContinuesFromTheJournal() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        do {
            let pool = try DatabasePool(path: dir.file("hub.sqlite"))
            try HubSchema.migrator.migrate(pool, upTo: "v1-nodes")
            try await pool.write { db in
                for i in 1...3 {
                    let version = Fixtures.version(
                        node: Fixtures.city, counter: UInt64(i), key: "key-\(i)", hlcMs: Self.t0)
                    try RecordTable.store(
                        db, dataset: version.dataset, key: version.key, state: RecordState(single: version))
                }
                try db.execute(sql: "INSERT INTO nodes(id, high_water) VALUES (?, 3)", arguments: [Fixtures.city])
            }
            try pool.close()
        }
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        #expect(try await Self.pull(store, since: 0, limit: 100).versions.map(\.key) == ["key-1", "key-2", "key-3"])
        let version = Fixtures.version(node: Fixtures.city, counter: 4, key: "key-4", hlcMs: Self.t0)
        _ = try store.applySync(
            batch: Fixtures.batch(node: Fixtures.city, firstSeq: 4, [version], clockMs: Self.t0),
            policies: ["population": .lww], grants: ["population"], nowMs: Self.t0)
        let page = try await Self.pull(store, since: 3, limit: 100)
        #expect(page.versions == [version] && page.cursor == 4)
    }

    @Test(arguments: [
        FeedPositions(legacyHead: 0, journalBase: 0), FeedPositions(legacyHead: 5, journalBase: 6),
        FeedPositions(legacyHead: 9, journalBase: 2), FeedPositions(legacyHead: .max, journalBase: 0),
    ])
    func positionsAndSeqsMapBothWaysAboveTheOldHead(positions: FeedPositions) {
        for seq in [positions.journalBase, positions.journalBase + 1, positions.journalBase + 1_000] {
            let position = positions.position(ofSeq: seq)
            #expect(position >= positions.legacyHead)
            if position < .max { #expect(positions.seq(atPosition: position) == seq) }
        }
        #expect(positions.seq(atPosition: 0) == positions.journalBase)
        _ = positions.seq(atPosition: .max)
        _ = positions.position(ofSeq: .min)
    }
}
