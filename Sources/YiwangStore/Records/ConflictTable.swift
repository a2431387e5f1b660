import Foundation
import GRDB
import YiwangCore

/// A conflict as stored and listed: both sides in full, and when it was recorded.
public struct StoredConflict: Sendable, Hashable {
    public var id: Int64
    public var recordedAtMs: Int64
    public var conflict: ConflictRecord
}

/// One page of the conflict log, newest first.
public struct ConflictPage: Sendable, Hashable {
    public var items: [StoredConflict]
    /// True when older conflicts remain: ask again with `before` = the last item's id.
    public var more: Bool
}

/// The conflict log: every pair of concurrent versions a replica resolved, winner and loser in full.
public enum ConflictTable {
    public static func createTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE conflicts(
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    dataset TEXT NOT NULL,
                    key TEXT NOT NULL,
                    resolution TEXT NOT NULL,
                    recorded_at_ms INTEGER NOT NULL,
                    versions BLOB NOT NULL      -- winner then loser, in the wire encoding
                );
                CREATE INDEX conflicts_by_record ON conflicts(dataset, key);
                """)
    }

    /// The index `prune` finds the oldest conflicts by (one insert per conflict, which is rare beside an apply).
    static func createRetentionIndex(_ db: Database) throws {
        try db.execute(sql: "CREATE INDEX conflicts_by_time ON conflicts(recorded_at_ms)")
    }

    /// Deletes at most `maxRows` conflicts recorded before `beforeMs` (oldest first) and returns how many. A
    /// stored time that is not an integer, or lies in the future, is never before the cutoff: such a row stays
    /// (SQLite orders text after every number), and nothing is computed from it.
    static func prune(_ db: Database, beforeMs: Int64, maxRows: Int) throws -> Int {
        try db.cachedStatement(
            sql: """
                DELETE FROM conflicts WHERE id IN (
                    SELECT id FROM conflicts WHERE recorded_at_ms < ? ORDER BY recorded_at_ms LIMIT ?)
                """
        ).execute(arguments: [beforeMs, max(0, maxRows)])
        return db.changesCount
    }

    public static func append(_ db: Database, _ conflict: ConflictRecord, atMs: Int64) throws {
        let statement = try db.cachedStatement(
            sql: "INSERT INTO conflicts(dataset, key, resolution, recorded_at_ms, versions) VALUES (?, ?, ?, ?, ?)")
        try statement.execute(arguments: [
            conflict.winner.dataset, conflict.winner.key, conflict.resolution.rawValue, atMs,
            Data(VersionListCodec.encode([conflict.winner, conflict.loser])),
        ])
    }

    /// Conflicts newest first, optionally for one dataset and one key.
    public static func list(_ db: Database, dataset: String?, key: String?, limit: Int = 100) throws
        -> [StoredConflict]
    {
        try page(db, dataset: dataset, key: key, limit: limit).items
    }

    /// The most stored bytes of conflicts one page carries (a page holds at least one, whatever its size):
    /// 10,000 conflicts of two 1 MiB values each would otherwise make a 20 GB answer.
    public static let maxPageBytes = 8 << 20

    /// Conflicts newest first, with ids below `before` if given: at most `limit` of them and no more than
    /// `maxBytes` of stored versions unless the first alone is larger; `more` says whether older ones remain.
    public static func page(
        _ db: Database, dataset: String?, key: String?, limit: Int = 100, before: Int64? = nil,
        maxBytes: Int = maxPageBytes
    ) throws -> ConflictPage {
        var sql = "SELECT id, recorded_at_ms, resolution, versions FROM conflicts"
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let dataset {
            clauses.append("dataset = ?")
            _ = arguments.append(contentsOf: [dataset])
        }
        if let key {
            clauses.append("key = ?")
            _ = arguments.append(contentsOf: [key])
        }
        if let before {
            clauses.append("id < ?")
            _ = arguments.append(contentsOf: [before])
        }
        if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
        let limit = max(1, min(limit, 10_000))
        sql += " ORDER BY id DESC LIMIT \(limit + 1)"
        var items: [StoredConflict] = []
        var bytes = 0
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try rows.next() {
            let blob = row["versions"] as Data
            bytes += blob.count
            if items.count == limit || (!items.isEmpty && bytes > maxBytes) {
                return ConflictPage(items: items, more: true)
            }
            let versions = try VersionListCodec.decode([UInt8](blob))
            guard versions.count >= 2 else {
                throw YiwangError.storage("conflict \(row["id"] as Int64) holds \(versions.count) versions, not 2")
            }
            let resolution = ConflictRecord.Resolution(rawValue: row["resolution"]) ?? .lastWriterWins
            items.append(
                StoredConflict(
                    id: row["id"],
                    recordedAtMs: Int64.fromDatabaseValue(row["recorded_at_ms"] as DatabaseValue) ?? 0,
                    conflict: ConflictRecord(winner: versions[0], loser: versions[1], resolution: resolution)))
        }
        return ConflictPage(items: items, more: false)
    }

    public static func count(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM conflicts") ?? 0
    }
}
