import Foundation
import GRDB
import YiwangCore

/// The edge's `outbox` table: the node's append-only sequence of local versions (seq 1, 2, 3, ...).
enum OutboxTable {
    static func createTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE outbox(
                    seq INTEGER PRIMARY KEY,           -- the node's sequence number
                    dataset TEXT NOT NULL,
                    key TEXT NOT NULL,
                    vector TEXT NOT NULL,
                    hlc INTEGER NOT NULL,
                    origin TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    op INTEGER NOT NULL,               -- 1 put, 2 delete
                    value TEXT,
                    committed_at_ms INTEGER NOT NULL,
                    status TEXT NOT NULL DEFAULT 'pending',  -- pending | acked | quarantined | requeued
                    reason TEXT,
                    acked_at_ms INTEGER
                );
                CREATE INDEX outbox_pending ON outbox(seq) WHERE status = 'pending';
                CREATE INDEX outbox_quarantined ON outbox(seq) WHERE status = 'quarantined';
                CREATE INDEX outbox_acked_at ON outbox(acked_at_ms) WHERE status = 'acked';
                """)
    }

    static let columns = "seq, dataset, key, vector, hlc, origin, actor, op, value, committed_at_ms, status, reason"

    /// Appends `change` chained after `prev` (the hash of entry `seq - 1`, `OutboxChain.previous`); returns its
    /// hash, the next entry's `prev`.
    @discardableResult
    static func insert(_ db: Database, _ change: Change, committedAtMs: Int64, prev: AuditHash) throws -> AuditHash {
        let v = change.version
        let hash = OutboxChain.hash(change, committedAtMs: committedAtMs, prev: prev)
        try BoundWrite(
            db,
            sql: """
                INSERT INTO outbox(seq, dataset, key, vector, hlc, origin, actor, op, value, committed_at_ms,
                                   prev_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute { values in
            values.add(Int64(change.seq))
            values.add(v.dataset)
            values.add(v.key)
            values.add(vector: v.vector)
            values.add(v.hlc.packed)
            values.add(v.origin)
            values.add(v.actor)
            values.add(Int64(v.operation.rawValue))
            values.add(v.value)
            values.add(committedAtMs)
            values.add(prev.hex)
            values.add(hash.hex)
        }
        return hash
    }

    static func entry(from row: Row) throws -> OutboxEntry {
        let seq = UInt64(clamping: row["seq"] as Int64)  // 1... as written; never a trap on an edited row
        return OutboxEntry(
            change: Change(seq: seq, version: try StoredVersion.version(from: row)),
            committedAtMs: row["committed_at_ms"], status: OutboxStatus(rawValue: row["status"]) ?? .pending,
            reason: row["reason"])
    }

    /// Consecutive entries from `firstSeq`, at most `maxChanges`, stopping before `maxBytes` of payload
    /// (always at least one entry when one exists).
    static func consecutive(_ db: Database, from firstSeq: UInt64, maxChanges: Int, maxBytes: Int) throws
        -> [OutboxEntry]
    {
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT \(columns) FROM outbox WHERE seq >= ? ORDER BY seq LIMIT ?"),
            arguments: [Int64(firstSeq), max(1, maxChanges)])
        var entries: [OutboxEntry] = []
        var bytes = 0
        var expected = firstSeq
        while let row = try rows.next() {
            let entry = try entry(from: row)
            guard entry.seq == expected else { break }
            let size = approximateBytes(entry.change.version)
            if !entries.isEmpty && bytes + size > maxBytes { break }
            entries.append(entry)
            bytes += size
            expected += 1
        }
        return entries
    }

    /// The wire size of a version, near enough to bound a batch.
    static func approximateBytes(_ v: Version) -> Int {
        32 + v.dataset.utf8.count + v.key.utf8.count + v.vector.description.utf8.count + v.origin.utf8.count
            + v.actor.utf8.count + (v.value?.utf8.count ?? 0)
    }

    static func fetch(_ db: Database, seq: UInt64) throws -> OutboxEntry? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT \(columns) FROM outbox WHERE seq = ?"), arguments: [Int64(clamping: seq)]
        ).map(entry(from:))
    }

    static func pendingFigures(_ db: Database) throws -> (count: UInt64, oldestMs: Int64?) {
        (try PendingCounter.get(db), try oldestPending(db, after: 0))
    }

    /// Commit time of the first pending entry with a sequence above `seq`.
    static func oldestPending(_ db: Database, after seq: UInt64) throws -> Int64? {
        try Int64.fetchOne(
            db.cachedStatement(
                sql: "SELECT committed_at_ms FROM outbox WHERE status = 'pending' AND seq > ? ORDER BY seq LIMIT 1"),
            arguments: [Int64(clamping: seq)])
    }

    /// How many entries are quarantined and the commit time of the oldest (the partial index keeps it cheap).
    static func quarantineFigures(_ db: Database) throws -> (count: UInt64, oldestMs: Int64?) {
        guard let row = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT COUNT(*) AS count, MIN(committed_at_ms) AS oldest FROM outbox WHERE status = 'quarantined'
                    """))
        else { return (0, nil) }
        let count: Int64 = row["count"]
        let oldest: Int64? = row["oldest"]
        return (UInt64(max(0, count)), oldest)
    }

    static func count(_ db: Database, status: OutboxStatus) throws -> UInt64 {
        UInt64(
            try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE status = ?", arguments: [status.rawValue])
                ?? 0)
    }
}
