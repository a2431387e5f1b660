import YiwangCore

/// Folds the oldest ledger entries into the anchor (`LedgerAnchor`), one at a time in ledger order, so they
/// can be deleted. Pure: the outbox rows it needs come from the caller.
///
/// An entry folds only if forgetting it loses nothing `verify` checks:
/// - it links to the ledger chain so far (a tampered entry is left for `verify` to name, never laundered);
/// - an `ack` raises `ackedMax` (and sets `lastAck`);
/// - a range (`prune`, `migrated_prune`, `skip`) must start right after the anchor's outbox position, from the
///   outbox hash there, and cover no stored row: the position then moves to its end. Stored rows in between
///   are crossed only if held (quarantined, requeued, dropped: never pruned) and linked; they go into the held
///   digest. A range that does not follow on (a pending or acknowledged row still stored before it, i.e. an
///   outbox entry not yet older than the retention) stops the fold there: nothing after it is pruned yet.
///
/// Why not coalesce consecutive `ack` rows instead: the rows are hashed into the chain, so merging them means
/// rewriting the chain from there on, and a chain the node rewrites by itself is one an intruder can rewrite
/// unseen too. Pruning only ever deletes a prefix and keeps what it covered in a chained entry.
struct LedgerFold {
    /// A stored outbox row, as the fold sees it.
    struct StoredRow {
        var entry: AuditEntry
        var isHeld: Bool
    }

    private(set) var anchor: LedgerAnchor
    /// How many entries were folded.
    private(set) var folded = 0

    init(anchor: LedgerAnchor) { self.anchor = anchor }

    /// Folds `entry` if it may go; false (and nothing changed) if not, and then no later entry may go either.
    /// `stored(seq)`: the outbox row at seq, if any; `anyStored(from, through)`: whether a row lies in the range.
    mutating func take(
        _ entry: AuditEntry, stored: (Int64) throws -> StoredRow?, anyStored: (Int64, Int64) throws -> Bool
    ) rethrows -> Bool {
        guard entry.seq == anchor.ledger.seq.saturatingAdd(1), entry.prevHash == anchor.ledger.hash,
            entry.expectedHash(after: anchor.ledger.hash) == entry.hash
        else { return false }
        var next = anchor
        switch entry.kind {
        case "ack":
            guard let detail = LedgerDetail.parse(entry.detail) else { return false }
            next.ackedMax = max(next.ackedMax, detail.through)
            next.lastAck = detail.through
        case "prune", "migrated_prune", "skip":
            guard let detail = LedgerDetail.parse(entry.detail), let from = detail.from, from <= detail.through,
                let prev = detail.prev.flatMap(AuditHash.init(hex:)),
                let hash = detail.hash.flatMap(AuditHash.init(hex:))
            else { return false }
            if entry.kind == "prune" && detail.through > next.ackedMax { return false }
            while next.outbox.seq < from.saturatingSubtract(1), let row = try stored(next.outbox.seq + 1) {
                guard row.isHeld, row.entry.prevHash == next.outbox.hash,
                    row.entry.expectedHash(after: next.outbox.hash) == row.entry.hash
                else { return false }
                next.hold(seq: row.entry.seq, hash: row.entry.hash)
                next.outbox = AuditHead(seq: row.entry.seq, hash: row.entry.hash)
            }
            guard from == next.outbox.seq.saturatingAdd(1), prev == next.outbox.hash,
                try !anyStored(from, detail.through)
            else { return false }
            next.outbox = AuditHead(seq: detail.through, hash: hash)
        case "ledger_pruned":
            guard LedgerAnchor(detail: entry.detail) != nil else { return false }
        default:
            return false
        }
        next.ledger = AuditHead(seq: entry.seq, hash: entry.hash)
        anchor = next
        folded += 1
        return true
    }
}
