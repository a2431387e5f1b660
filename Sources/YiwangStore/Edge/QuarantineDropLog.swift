import GRDB
import YiwangCore

/// The edge's log of quarantined changes an operator discarded (`yiwangctl quarantine drop SEQ --reason`):
/// one hash-chained entry per drop, naming who, why, and the outbox entry's own chain hash, so a drop can
/// neither be denied nor quietly pointed at another change. `audit verify` checks it with the outbox chain.
enum QuarantineDropLog {
    static func createTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE quarantine_drops(
                    seq INTEGER PRIMARY KEY,        -- 1, 2, 3, ... the chain's own order
                    at_ms INTEGER NOT NULL,
                    node TEXT NOT NULL,
                    dataset TEXT NOT NULL,
                    key TEXT NOT NULL,
                    detail TEXT NOT NULL,           -- outbox seq and hash, actor, reason, the hub's refusal
                    prev_hash TEXT NOT NULL,
                    hash TEXT NOT NULL
                )
                """)
    }

    static let kind = "quarantine_drop"

    /// Appends the drop of `entry` and returns its chain seq.
    static func append(
        _ db: Database, node: String, entry: OutboxEntry, outboxHash: String, actor: String, reason: String,
        atMs: Int64
    ) throws -> Int64 {
        let last = try ChainedRow.head(db, table: "quarantine_drops")
        let seq = last.seq + 1
        let prev = last.hash
        var detail = AuditDetail()
        detail.add("outbox_seq", Int64(clamping: entry.seq))
        detail.add("outbox_hash", outboxHash)
        detail.add("actor", actor)
        detail.add("reason", reason)
        detail.add("refused", entry.reason ?? "")
        let v = entry.change.version
        let hash = AuditEntry.chainHash(
            prev: prev, seq: seq, atMs: atMs, kind: kind, node: node, dataset: v.dataset, key: v.key,
            detail: detail.json)
        try db.execute(
            sql: """
                INSERT INTO quarantine_drops(seq, at_ms, node, dataset, key, detail, prev_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [seq, atMs, node, v.dataset, v.key, detail.json, prev.hex, hash.hex])
        return seq
    }

    /// Verifies the drop chain from its genesis.
    static func verify(_ db: Database) throws -> AuditVerification {
        var verifier = AuditChainVerifier()
        guard try db.tableExists("quarantine_drops") else { return verifier.finish() }
        let rows = try Row.fetchCursor(
            db, sql: "SELECT seq, at_ms, node, dataset, key, detail, prev_hash, hash FROM quarantine_drops ORDER BY seq")
        while let row = try rows.next() {
            let entry = AuditEntry(
                seq: row["seq"], atMs: row["at_ms"], kind: kind, node: row["node"], dataset: row["dataset"],
                key: row["key"], detail: row["detail"], prevHash: ChainedRow.hash(row, "prev_hash"),
                hash: ChainedRow.hash(row, "hash"))
            if !verifier.check(entry) { break }
        }
        return verifier.finish()
    }
}

extension EdgeStore {
    /// Discards a quarantined change for good, with an operator's reason, in one transaction: the entry is
    /// marked `dropped` (it no longer counts as a change the hub lacks) and the drop is chained in
    /// `quarantine_drops`. Returns the drop's entry in that log.
    public func dropQuarantined(seq: UInt64, reason: String, actor: String) async throws(YiwangError) -> Int64 {
        let node = nodeID
        let now = wallClock.nowMs()
        return try await write { db throws -> Int64 in
            guard let entry = try OutboxTable.fetch(db, seq: seq), entry.status == .quarantined else {
                throw YiwangError.notFound("quarantined change \(seq)")
            }
            let hash = try String.fetchOne(db, sql: "SELECT hash FROM outbox WHERE seq = ?", arguments: [Int64(clamping: seq)])
            let logSeq = try QuarantineDropLog.append(
                db, node: node, entry: entry, outboxHash: hash ?? "", actor: actor, reason: reason, atMs: now)
            try db.execute(sql: "UPDATE outbox SET status = 'dropped' WHERE seq = ?", arguments: [Int64(clamping: seq)])
            return logSeq
        }
    }
}
