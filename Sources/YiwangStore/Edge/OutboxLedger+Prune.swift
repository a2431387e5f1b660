import GRDB
import YiwangCore

extension OutboxLedger {
    /// Deletes the oldest ledger entries written before `olderThanMs` that `LedgerFold` can fold into the
    /// anchor, at most `maxEntries`, in the caller's transaction: first a chained `ledger_pruned` entry with the
    /// new anchor, then the rows, then the anchor row. Returns how many rows went (0: nothing is due).
    static func prune(_ db: Database, olderThanMs: Int64, maxEntries: Int, nowMs: Int64) throws -> Int {
        let start = try LedgerAnchorTable.load(db)
        var fold = LedgerFold(anchor: start)
        let rows = try Row.fetchAll(
            db, sql: "SELECT \(columns) FROM outbox_ledger WHERE seq > ? ORDER BY seq LIMIT ?",
            arguments: [start.ledger.seq, max(1, maxEntries)])
        let storedRow = try db.cachedStatement(
            sql: "SELECT \(OutboxTable.columns), prev_hash, hash FROM outbox WHERE seq = ?")
        let anyRow = try db.cachedStatement(sql: "SELECT 1 FROM outbox WHERE seq BETWEEN ? AND ? LIMIT 1")
        for row in rows {
            let entry = entry(from: row)
            guard entry.atMs < olderThanMs else { break }
            let took = try fold.take(
                entry,
                stored: { seq in
                    try Row.fetchOne(storedRow, arguments: [seq]).map { row in
                        let status = OutboxStatus(rawValue: row["status"])
                        return LedgerFold.StoredRow(
                            entry: try OutboxChain.auditEntry(from: row),
                            isHeld: status == .quarantined || status == .requeued || status == .dropped)
                    }
                },
                anyStored: { from, through in try Bool.fetchOne(anyRow, arguments: [from, through]) ?? false })
            if !took { break }
        }
        guard fold.folded > 0 else { return 0 }
        var writer = try Writer(db)
        try writer.ledgerPruned(db, fold.anchor, atMs: nowMs)
        try db.execute(
            sql: "DELETE FROM outbox_ledger WHERE seq > ? AND seq <= ?",
            arguments: [start.ledger.seq, fold.anchor.ledger.seq])
        let removed = db.changesCount
        try LedgerAnchorTable.save(db, fold.anchor)
        return removed
    }
}

extension EdgeStore {
    /// Prunes the outbox ledger (`OutboxLedger.prune`) of entries written before `olderThanMs`, in
    /// transactions of at most `batch` entries (5,000 rows take a few milliseconds, so local writes waiting on
    /// the write lock barely notice), until nothing more is due. Returns how many entries went.
    @discardableResult
    public func pruneLedger(olderThanMs: Int64, batch: Int = 5_000) async throws(YiwangError) -> Int {
        var total = 0
        while true {
            let removed = try await write { db in
                try OutboxLedger.prune(db, olderThanMs: olderThanMs, maxEntries: batch, nowMs: self.wallClock.nowMs())
            }
            total += removed
            if removed < max(1, batch) { return total }
        }
    }

    /// How many entries the outbox ledger holds now (its pruned start not counted).
    public func ledgerEntryCount() async throws(YiwangError) -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox_ledger") ?? 0 }
    }
}
