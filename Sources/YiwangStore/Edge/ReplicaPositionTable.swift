import Foundation
import GRDB
import YiwangCore

/// The positions of a relay's replica (`ReplicaPage`): one row per record, the position of its last change.
/// `AUTOINCREMENT` never hands out a position twice, so a record changed again moves past every county's
/// cursor, and a county that pulls from its position on receives every record changed since.
///
/// Triggers on `records` keep the positions, so every path that stores a record (a local write, the province's
/// feed or snapshot, a county's upload) moves it, in that write's own transaction, with nothing to forget. They
/// exist only on a relay (`enable`): a county pays nothing for them. A relay turned off drops them; turned on
/// again it renumbers every record past the old positions, so a county's old cursor still receives everything.
enum ReplicaPositionTable {
    static func createTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE replica_positions(
                    pos INTEGER PRIMARY KEY AUTOINCREMENT,   -- the record's last change, in commit order
                    dataset TEXT NOT NULL,
                    key TEXT NOT NULL,
                    UNIQUE(dataset, key)
                )
                """)
    }

    static let triggers = ["replica_position_on_insert": "INSERT", "replica_position_on_update": "UPDATE"]

    /// Turns the positions on (creating the triggers and numbering every record, once) or off (dropping them).
    static func enable(_ db: Database, _ on: Bool) throws {
        let present = try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?)",
            arguments: StatementArguments(triggers.keys.sorted())) ?? 0
        guard on else {
            for name in triggers.keys.sorted() { try db.execute(sql: "DROP TRIGGER IF EXISTS \(name)") }
            return
        }
        guard present < triggers.count else { return }
        for (name, event) in triggers.sorted(by: { $0.key < $1.key }) {
            try db.execute(
                sql: """
                    CREATE TRIGGER IF NOT EXISTS \(name) AFTER \(event) ON records BEGIN
                        INSERT OR REPLACE INTO replica_positions(dataset, key) VALUES (NEW.dataset, NEW.key);
                    END
                    """)
        }
        try db.execute(sql: "DELETE FROM replica_positions")
        try db.execute(
            sql: "INSERT INTO replica_positions(dataset, key) SELECT dataset, key FROM records ORDER BY dataset, key")
    }

    /// The record's state columns, from the joined `records` row (`RecordTable.state(from:)` reads them by name).
    private static let stateColumns = RecordTable.stateColumns.split(separator: ", ").map { "r.\($0)" }
        .joined(separator: ", ")

    /// The newest position (0 before any).
    static func head(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'replica_positions'") ?? 0
    }

    /// The records of `datasets` changed after `since`, in position order, at most `limit` of them and about
    /// `maxBytes` (the first always fits), each with its full state.
    static func page(_ db: Database, since: Int64, datasets: Set<String>, limit: Int, maxBytes: Int) throws
        -> ReplicaPage
    {
        let head = try head(db)
        guard !datasets.isEmpty, since < head else {
            return ReplicaPage(cursor: min(since, head), head: head, more: false, entries: [])
        }
        let wanted = datasets.sorted()
        let marks = Array(repeating: "?", count: wanted.count).joined(separator: ", ")
        var arguments = StatementArguments([since])
        arguments += StatementArguments(wanted)
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT p.pos, CAST(p.dataset AS BLOB) AS dataset_bytes, CAST(p.key AS BLOB) AS key_bytes,
                    \(stateColumns)
                FROM replica_positions p JOIN records r ON r.dataset = p.dataset AND r.key = p.key
                WHERE p.pos > ? AND p.dataset IN (\(marks)) ORDER BY p.pos
                """,
            arguments: arguments)
        var entries: [SnapshotEntry] = []
        var cursor = since
        var bytes = 0
        var more = false
        while let row = try rows.next() {
            if entries.count >= max(1, limit) || (!entries.isEmpty && bytes >= maxBytes) {
                more = true
                break
            }
            guard let dataset = String(validating: row["dataset_bytes"] as Data? ?? Data(), as: UTF8.self),
                let key = String(validating: row["key_bytes"] as Data? ?? Data(), as: UTF8.self)
            else { continue }  // stored from Swift strings: never; a hand-edited row is not served
            let entry = SnapshotEntry(
                dataset: dataset, key: key, state: try RecordTable.state(from: row, dataset: dataset, key: key))
            bytes += SnapshotPage.entryBytes(entry)
            entries.append(entry)
            cursor = row["pos"]
        }
        if !more { cursor = max(cursor, head) }  // nothing of these datasets after it: skip ahead to the head
        return ReplicaPage(cursor: cursor, head: head, more: more, entries: entries)
    }
}
