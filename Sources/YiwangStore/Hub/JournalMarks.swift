import GRDB

/// How far the journal's upkeep has come, one named position per row (README "Running a hub"): compaction
/// (`compactedSeq`, `compactedPosition`), sealed archives (`archivedSeq`) and what was removed from the hub
/// (`prunedSeq`). A position never moves back. Seqs are journal (audit) sequence numbers; `compactedPosition`
/// is the same boundary as a feed position, the one a node's `since` is compared with.
enum JournalMarks {
    struct Name: Hashable, Sendable {
        let rawValue: String
        /// Journal entries up to this seq are compacted: superseded values are gone, only what a node needs stays.
        static let compactedSeq = Name(rawValue: "compacted_seq")
        /// The feed position of the newest feed version at or below `compactedSeq` (the feed's horizon): a node
        /// whose cursor is older must bootstrap from a snapshot.
        static let compactedPosition = Name(rawValue: "compacted_position")
        /// Journal entries up to this seq are sealed in archives (`yiwangctl audit archive`).
        static let archivedSeq = Name(rawValue: "archived_seq")
        /// Journal entries up to this seq were removed from the hub (only ever archived ones).
        static let prunedSeq = Name(rawValue: "pruned_seq")
    }

    static func createTable(_ db: Database) throws {
        try db.execute(sql: "CREATE TABLE journal_marks(name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID")
    }

    /// The mark's position, 0 when never set; a stored negative value (an edited file) reads as 0.
    static func get(_ db: Database, _ name: Name) throws -> Int64 {
        let value = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT value FROM journal_marks WHERE name = ?"), arguments: [name.rawValue])
        return max(0, value ?? 0)
    }

    /// Moves the mark forward to `value`; a smaller value leaves it where it is.
    static func advance(_ db: Database, _ name: Name, to value: Int64) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO journal_marks(name, value) VALUES (?, ?)
                ON CONFLICT(name) DO UPDATE SET value = max(value, excluded.value)
                """
        ).execute(arguments: [name.rawValue, max(0, value)])
    }
}

extension FeedTable {
    /// The oldest feed position a node may still pull from: a cursor below it must go through a snapshot.
    static func horizon(_ db: Database) throws -> Int64 {
        try JournalMarks.get(db, .compactedPosition)
    }
}

extension HubStore {
    /// The oldest feed position a node may still pull from (`FeedTable.horizon`).
    public func feedHorizon() async throws -> Int64 {
        try await pool.read { db in try FeedTable.horizon(db) }
    }
}
