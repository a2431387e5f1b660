import Foundation
import GRDB
import YiwangCore

/// Changes held back because their vector counts another node beyond what the hub holds of it (issue 13,
/// class 3). The hub's high water for the sender moves past a held change (the node may prune it: the hub holds
/// it here, durably, in the batch's transaction); the change is merged, in (node, seq) order, as soon as the
/// hub holds the node it waits for through the counter it claims. Bounded per node by `limit`.
enum HeldChangeTable {
    /// Held changes per node; beyond it a change that would wait is refused instead.
    static let maxPerNode = 10_000
    /// Held bytes (encoded versions) per node; beyond it a change that would wait is refused instead.
    static let maxBytesPerNode = 64 << 20

    static func createTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE held_changes(
                    node TEXT NOT NULL,             -- the change's origin
                    seq INTEGER NOT NULL,           -- its sequence at the origin
                    wait_node TEXT NOT NULL,        -- the node it counts beyond what the hub holds
                    wait_counter INTEGER NOT NULL,  -- ... and the counter it claims for it
                    version BLOB NOT NULL,          -- VersionListCodec of the one version
                    data_ms INTEGER NOT NULL,       -- hub clock: when the node wrote it, as far as the hub knows
                    held_at_ms INTEGER NOT NULL,    -- hub clock
                    PRIMARY KEY(node, seq)
                ) WITHOUT ROWID;
                CREATE INDEX held_changes_by_wait ON held_changes(wait_node, wait_counter);
                """)
    }

    struct Usage {
        var count: Int
        var bytes: Int
    }

    static func usage(_ db: Database, node: String) throws -> Usage {
        let row = try Row.fetchOne(
            db,
            sql: "SELECT COUNT(*) AS count, COALESCE(SUM(LENGTH(version)), 0) AS bytes FROM held_changes WHERE node = ?",
            arguments: [node])
        return Usage(count: row?["count"] ?? 0, bytes: row?["bytes"] ?? 0)
    }

    static func hold(
        _ db: Database, _ change: Change, encoded: [UInt8], waitNode: String, waitCounter: UInt64, dataMs: Int64,
        nowMs: Int64
    ) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO held_changes(node, seq, wait_node, wait_counter, version, data_ms, held_at_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                change.version.origin, Int64(clamping: change.seq), waitNode, Int64(clamping: waitCounter),
                Data(encoded), dataMs, nowMs,
            ])
    }

    /// The held changes waiting on `node` through `counter`, in (origin, seq) order.
    static func waiting(_ db: Database, on node: String, through counter: UInt64) throws -> [Change] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT node, seq, version FROM held_changes WHERE wait_node = ? AND wait_counter <= ?
                ORDER BY node, seq
                """,
            arguments: [node, Int64(clamping: counter)])
        return rows.compactMap { row -> Change? in
            let seq = row["seq"] as Int64
            guard seq > 0, let bytes = row["version"] as Data?,
                let version = try? VersionListCodec.decode([UInt8](bytes)).first
            else { return nil }
            return Change(seq: UInt64(seq), version: version)
        }
    }

    static func rewait(_ db: Database, node: String, seq: UInt64, waitNode: String, waitCounter: UInt64) throws {
        try db.execute(
            sql: "UPDATE held_changes SET wait_node = ?, wait_counter = ? WHERE node = ? AND seq = ?",
            arguments: [waitNode, Int64(clamping: waitCounter), node, Int64(clamping: seq)])
    }

    static func release(_ db: Database, node: String, seq: UInt64) throws {
        try db.execute(
            sql: "DELETE FROM held_changes WHERE node = ? AND seq = ?", arguments: [node, Int64(clamping: seq)])
    }

    /// Per node: how many changes are held and the oldest one's data time (for the report and data age).
    static func summary(_ db: Database) throws -> [String: (count: UInt64, oldestMs: Int64?)] {
        var result: [String: (count: UInt64, oldestMs: Int64?)] = [:]
        let rows = try Row.fetchAll(
            db, sql: "SELECT node, COUNT(*) AS count, MIN(data_ms) AS oldest FROM held_changes GROUP BY node")
        for row in rows {
            result[row["node"]] = (UInt64(max(0, row["count"] as Int64)), row["oldest"])
        }
        return result
    }
}
