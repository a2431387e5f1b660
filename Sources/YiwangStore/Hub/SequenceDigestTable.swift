import Foundation
import GRDB
import YiwangCore

/// The digest of what the hub received at a (node, seq) that no journal entry of its record holds: a change
/// refused or held back when first received (`SequenceDigest`; issue 13, class 11). A node restored from an
/// older copy of its data reuses sequence numbers for new writes; a resent sequence whose content differs from
/// what the hub recorded is refused as `sequence_reused`, and the node re-issues the write above the hub's high
/// water. A merged change needs no row: its `apply` entry holds the version (`SequenceRecordLookup`).
///
/// Rows go once older than both the journal's retention and its oldest entry kept (`deleteOlder`, run by
/// compaction after archived entries are pruned), so the table holds the refused and held changes of the
/// journal the hub keeps; a held change keeps its row while it is held.
enum SequenceDigestTable {
    /// Migration `v4-held-changes`: the first table, one row per received change (replaced by `v9`).
    static func createTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE sequence_digests(
                    node TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    digest BLOB NOT NULL,   -- first 16 bytes of SHA-256 of the version's wire encoding
                    PRIMARY KEY(node, seq)
                ) WITHOUT ROWID;
                """)
    }

    /// Migration `v9-sequence-digests`: rows only for changes without a journal entry of their record, with the
    /// time they were received. Of the old rows (one per change) only those of a refused or held change are
    /// kept, copied with the refusal's or hold's time; every other one was merged, and its `apply` entry answers
    /// for it. Copies the few kept rows (driven by `rejected_changes` and `held_changes`, not by the old table)
    /// and drops the old table, so a large hub does not delete millions of rows one by one.
    static func migrateToRetainedRows(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE sequence_digests_v9(
                    node TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    digest BLOB NOT NULL,   -- first 16 bytes of SHA-256 of the version's wire encoding
                    at_ms INTEGER NOT NULL, -- hub clock: when the change was received
                    PRIMARY KEY(node, seq)
                ) WITHOUT ROWID;
                INSERT OR IGNORE INTO sequence_digests_v9(node, seq, digest, at_ms)
                    SELECT d.node, d.seq, d.digest, h.held_at_ms
                    FROM held_changes h JOIN sequence_digests d ON d.node = h.node AND d.seq = h.seq;
                INSERT OR IGNORE INTO sequence_digests_v9(node, seq, digest, at_ms)
                    SELECT d.node, d.seq, d.digest, r.at_ms
                    FROM (SELECT node, seq, min(at_ms) AS at_ms FROM rejected_changes GROUP BY node, seq) r
                    JOIN sequence_digests d ON d.node = r.node AND d.seq = r.seq;
                DROP TABLE sequence_digests;
                ALTER TABLE sequence_digests_v9 RENAME TO sequence_digests;
                CREATE INDEX sequence_digests_by_time ON sequence_digests(at_ms);
                """)
    }

    static func record(_ db: Database, node: String, seq: UInt64, digest: [UInt8], atMs: Int64) throws {
        try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO sequence_digests(node, seq, digest, at_ms) VALUES (?, ?, ?, ?)"
        ).execute(arguments: [node, Int64(clamping: seq), Data(digest), atMs])
    }

    static func stored(_ db: Database, node: String, seq: UInt64) throws -> [UInt8]? {
        try Data.fetchOne(
            db.cachedStatement(sql: "SELECT digest FROM sequence_digests WHERE node = ? AND seq = ?"),
            arguments: [node, Int64(clamping: seq)]
        ).map { [UInt8]($0) }
    }

    /// Deletes the rows received before `cutoffMs` (hub clock), except those of changes still held back; how
    /// many. A resend of such a sequence then finds nothing and is refused as reused.
    static func deleteOlder(_ db: Database, than cutoffMs: Int64) throws -> Int {
        try db.cachedStatement(
            sql: """
                DELETE FROM sequence_digests WHERE at_ms < ? AND NOT EXISTS (
                    SELECT 1 FROM held_changes h WHERE h.node = sequence_digests.node AND h.seq = sequence_digests.seq)
                """
        ).execute(arguments: [cutoffMs])
        return db.changesCount
    }

    /// True when a row was received before `cutoffMs` (compaction then deletes; else it writes nothing).
    static func hasOlder(_ db: Database, than cutoffMs: Int64) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM sequence_digests WHERE at_ms < ?)"),
            arguments: [cutoffMs]) ?? false
    }

    /// How many rows the table holds (metrics, tests).
    static func count(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM sequence_digests") ?? 0
    }
}
