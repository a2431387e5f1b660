import GRDB
import YiwangCore

/// The audit log is the hub's change journal: the `apply` entry of a change that changed the hub's state also
/// holds the version's value (`value`, not hashed: the entry's detail holds its `value_sha256`) and is marked as a
/// feed version (`feed`, the op code). The feed is read from those entries (`FeedTable.page`), so each change is
/// written once, and compaction (`HubStore.compact`) can drop a value beyond the retention while its entry and
/// hash stay.
extension AuditTable {
    /// Migration `v6-journal`: the two columns (NULL in every existing row, so no row is rewritten), the running
    /// total of retained value bytes, and the feed positions' origin (`FeedPositions.record`).
    static func migrateToJournal(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE audit ADD COLUMN value TEXT;    -- a feed version's value until compacted (never hashed)
                ALTER TABLE audit ADD COLUMN feed INTEGER;  -- op code (1 put, 2 delete) of a state-changing apply
                CREATE TABLE journal_totals(name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID;
                """)
        try FeedPositions.record(db)
    }
}

/// Running totals of the journal, kept in the transactions that change them (`journal_totals`): the bytes of the
/// values it still holds (added by each batch, taken off by compaction), so the metric costs one row read.
enum JournalTotals {
    static let valueBytes = "value_bytes"

    /// The total, 0 when never written; a stored negative value (an edited file) reads as 0.
    static func get(_ db: Database, _ name: String) throws -> Int64 {
        let value = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT value FROM journal_totals WHERE name = ?"), arguments: [name])
        return max(0, value ?? 0)
    }

    /// Adds `delta` (negative to take off), saturating and never below 0.
    static func add(_ db: Database, _ name: String, _ delta: Int64) throws {
        guard delta != 0 else { return }
        let total = try get(db, name).saturatingAdd(delta)
        try db.cachedStatement(
            sql: """
                INSERT INTO journal_totals(name, value) VALUES (?, ?)
                ON CONFLICT(name) DO UPDATE SET value = excluded.value
                """
        ).execute(arguments: [name, max(0, total)])
    }
}
