import Foundation
import GRDB
import YiwangCore

/// A conflict as stored and listed: both sides in full, and when it was recorded.
public struct StoredConflict: Sendable, Hashable {
    public var id: Int64
    public var recordedAtMs: Int64
    public var conflict: ConflictRecord
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
        if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
        sql += " ORDER BY id DESC LIMIT \(max(1, min(limit, 10_000)))"
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            let versions = try VersionListCodec.decode([UInt8](row[3] as Data))
            let resolution = ConflictRecord.Resolution(rawValue: row[2]) ?? .lastWriterWins
            return StoredConflict(
                id: row[0], recordedAtMs: row[1],
                conflict: ConflictRecord(winner: versions[0], loser: versions[1], resolution: resolution))
        }
    }

    public static func count(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM conflicts") ?? 0
    }
}
