import GRDB
import YiwangCore

/// The edge's hash chain over its outbox: each entry stores `prev_hash` and
/// `hash = SHA-256(prev_hash || canonical bytes)` (`AuditEntry`), computed when it is written, in the same
/// transaction. Pruning acknowledged entries leaves gaps; the number pruned is kept in `meta`, so a deleted
/// entry still shows (the gaps add up to more than what was pruned).
enum OutboxChain {
    static let lastHash = "outbox_last_hash"
    static let prunedCount = "outbox_pruned"
    /// Sequence numbers skipped on purpose (re-issued writes go above the hub's high water), never written.
    static let skippedCount = "outbox_skipped"

    /// Adds the columns and chains the entries written before them.
    static func migrate(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE outbox ADD COLUMN prev_hash TEXT")
        try db.execute(sql: "ALTER TABLE outbox ADD COLUMN hash TEXT")
        let rows = try Row.fetchAll(db, sql: "SELECT \(OutboxTable.columns) FROM outbox ORDER BY seq")
        var prev = AuditHash.genesis
        for row in rows {
            let entry = try OutboxTable.entry(from: row)
            let hash = self.hash(entry.change, committedAtMs: entry.committedAtMs, prev: prev)
            try db.execute(
                sql: "UPDATE outbox SET prev_hash = ?, hash = ? WHERE seq = ?",
                arguments: [prev.hex, hash.hex, Int64(entry.seq)])
            prev = hash
        }
    }

    /// The previous entry's hash for a new entry `seq`: the stored entry `seq - 1`, else the last hash kept when
    /// pruning, else the genesis hash.
    static func previous(_ db: Database, before seq: UInt64) throws -> AuditHash {
        if let hex = try String.fetchOne(
            db.cachedStatement(sql: "SELECT hash FROM outbox WHERE seq < ? ORDER BY seq DESC LIMIT 1"),
            arguments: [Int64(clamping: seq)]), let hash = AuditHash(hex: hex)
        {
            return hash
        }
        return try EdgeMeta.text(db, lastHash).flatMap(AuditHash.init(hex:)) ?? .genesis
    }

    /// The chain hash of an outbox entry after `prev`.
    static func hash(_ change: Change, committedAtMs: Int64, prev: AuditHash) -> AuditHash {
        let v = change.version
        return AuditEntry.chainHash(
            prev: prev, seq: Int64(change.seq), atMs: committedAtMs, kind: "outbox", node: v.origin,
            dataset: v.dataset, key: v.key, detail: AuditDetail.outboxed(v))
    }

    /// Before a prune: keeps the newest hash (the next entry chains to it) and counts the entries to delete.
    static func notePrune(_ db: Database, deleting count: Int) throws {
        if let hex = try String.fetchOne(db, sql: "SELECT hash FROM outbox ORDER BY seq DESC LIMIT 1") {
            try EdgeMeta.set(db, lastHash, hex)
        }
        try EdgeMeta.set(db, prunedCount, (try EdgeMeta.int(db, prunedCount) ?? 0) + Int64(count))
    }

    /// Every outbox entry with its chain hashes, in seq order (rows for `auditEntry(from:)`).
    static let entriesSQL = "SELECT \(OutboxTable.columns), prev_hash, hash FROM outbox ORDER BY seq"

    /// An outbox row of `entriesSQL` as the entry its chain hash covers.
    static func auditEntry(from row: Row) throws -> AuditEntry {
        let stored = try OutboxTable.entry(from: row)
        let v = stored.change.version
        return AuditEntry(
            seq: Int64(stored.seq), atMs: stored.committedAtMs, kind: "outbox", node: v.origin, dataset: v.dataset,
            key: v.key, detail: AuditDetail.outboxed(v),
            prevHash: ChainedRow.hash(row, "prev_hash"), hash: ChainedRow.hash(row, "hash"))
    }

    /// Verifies the stored chain in seq order; the gaps must add up to what was pruned.
    static func verify(_ db: Database, expecting: AuditHead?) throws -> AuditVerification {
        var verifier = AuditChainVerifier(expecting: expecting, allowsGaps: true)
        let rows = try Row.fetchCursor(db, sql: entriesSQL)
        while let row = try rows.next() {
            let entry = try auditEntry(from: row)
            if !verifier.check(entry) { break }
        }
        var result = verifier.finish()
        let pruned = (try EdgeMeta.int(db, prunedCount) ?? 0) + (try EdgeMeta.int(db, skippedCount) ?? 0)
        if result.isIntact && verifier.skipped > pruned {
            result.problem = AuditProblem(
                position: result.checked, seq: result.head.seq,
                reason: "\(verifier.skipped - pruned) entries are missing beyond the \(pruned) pruned: entries were deleted")
        }
        return result
    }
}
