import GRDB
import YiwangCore

extension OutboxLedger {
    /// One pruned range, as the ledger recorded it.
    struct PrunedRange {
        var through: Int64
        var prev: AuditHash
        var hash: AuditHash
    }

    /// Verifies the ledger chain, then the outbox chain against it: every missing seq is covered by a chained
    /// prune entry linked to the entries around it, and nothing acknowledged is missing at the end. Trusts no
    /// counter of `meta`. `expecting` is an exported head of the outbox chain. A pruned ledger is checked from
    /// its anchor (`LedgerAnchor`), which must equal the newest chained `ledger_pruned` entry.
    static func verify(_ db: Database, expecting: AuditHead?) throws -> AuditVerification {
        // 1. The ledger: its own chain from the anchor, and every prune within what was acknowledged before it.
        let anchor = try LedgerAnchorTable.load(db)
        var ledger = AuditChainVerifier(anchor: anchor.ledger)
        var ranges: [Int64: PrunedRange] = [:]  // by `from`
        var maxAcked = anchor.ackedMax
        var newestPruned: (seq: Int64, anchor: LedgerAnchor)?
        let ledgerRows = try Row.fetchCursor(db, sql: "SELECT \(columns) FROM outbox_ledger ORDER BY seq")
        while let row = try ledgerRows.next() {
            let entry = entry(from: row)
            guard ledger.check(entry) else { break }
            func broken(_ reason: String) -> AuditVerification {
                AuditVerification(
                    checked: ledger.checked, head: ledger.head,
                    problem: AuditProblem(position: ledger.checked - 1, seq: entry.seq, reason: "ledger: " + reason))
            }
            if entry.kind == "ledger_pruned" {  // its detail is an anchor, not a `LedgerDetail`
                guard let recorded = LedgerAnchor(detail: entry.detail), recorded.ledger.seq < entry.seq else {
                    return broken("unreadable ledger_pruned entry")
                }
                newestPruned = (entry.seq, recorded)
                continue
            }
            guard let detail = LedgerDetail.parse(entry.detail) else { return broken("unreadable detail") }
            switch entry.kind {
            case "ack": maxAcked = max(maxAcked, detail.through)
            case "prune", "migrated_prune", "skip":
                guard let from = detail.from, from >= 1, from <= detail.through,
                    let prev = detail.prev.flatMap(AuditHash.init(hex:)),
                    let hash = detail.hash.flatMap(AuditHash.init(hex:))
                else { return broken("unreadable prune entry") }
                if entry.kind == "prune" && detail.through > maxAcked {
                    return broken("prunes seq \(from)...\(detail.through), beyond the acknowledged \(maxAcked)")
                }
                if entry.kind == "skip" && prev != hash {  // numbers never written: the chain cannot change
                    return broken("skips seq \(from)...\(detail.through) but the chain changes across it")
                }
                ranges[from] = PrunedRange(through: detail.through, prev: prev, hash: hash)
            default: return broken("unknown kind '\(entry.kind)'")
            }
        }
        let ledgerResult = ledger.finish()
        if let problem = ledgerResult.problem {
            var problem = problem
            problem.reason = "ledger: " + problem.reason
            return AuditVerification(checked: ledgerResult.checked, head: ledgerResult.head, problem: problem)
        }
        if let problem = anchorProblem(anchor, newestPruned: newestPruned, checked: ledgerResult.checked) {
            return AuditVerification(checked: ledgerResult.checked, head: ledgerResult.head, problem: problem)
        }

        // 2. The outbox from the anchor, walking any gap through the pruned ranges that must cover it.
        var walk = OutboxWalk(ranges: ranges, expecting: expecting, anchor: anchor)
        let rows = try Row.fetchCursor(db, sql: OutboxChain.entriesSQL)
        while let row = try rows.next() {
            let entry = try OutboxChain.auditEntry(from: row)
            if !walk.check(entry) { break }
        }
        walk.finish(acknowledged: maxAcked)
        return AuditVerification(checked: walk.checked, head: walk.head, problem: walk.problem)
    }

    /// The stored anchor must be the one the newest `ledger_pruned` entry chained (none: nothing was pruned).
    private static func anchorProblem(
        _ anchor: LedgerAnchor, newestPruned: (seq: Int64, anchor: LedgerAnchor)?, checked: Int
    ) -> AuditProblem? {
        guard let newestPruned else {
            guard anchor != .empty else { return nil }
            return AuditProblem(
                position: checked, seq: anchor.ledger.seq,
                reason: "ledger: an anchor is stored but no ledger_pruned entry records it: the entry was deleted")
        }
        guard newestPruned.anchor != anchor else { return nil }
        return AuditProblem(
            position: checked, seq: newestPruned.seq,
            reason: "ledger: the stored anchor (outbox through seq \(anchor.outbox.seq)) differs from the one "
                + "ledger entry \(newestPruned.seq) recorded (through seq \(newestPruned.anchor.outbox.seq)): "
                + "the anchor was edited")
    }
}

/// The outbox chain walked in seq order from the ledger's anchor, gaps crossed only through pruned ranges.
/// Rows at or below the anchor (held rows the prune keeps) are checked against its held count and digest.
private struct OutboxWalk {
    let ranges: [Int64: OutboxLedger.PrunedRange]
    let expecting: AuditHead?
    let anchor: LedgerAnchor
    var head: AuditHead
    var checked = 0
    var problem: AuditProblem?
    private var expectedSeen = false
    /// The held rows seen so far, folded as the ledger prune folded them; nil once the walk is past them.
    private var held: LedgerAnchor? = .empty

    init(ranges: [Int64: OutboxLedger.PrunedRange], expecting: AuditHead?, anchor: LedgerAnchor) {
        self.ranges = ranges
        self.expecting = expecting
        self.anchor = anchor
        head = anchor.outbox
        if expecting == .empty { expectedSeen = true }
        noteExpected()
    }

    /// The seq after `head`, saturating (a stored seq is never trusted to leave room).
    private var nextSeq: Int64 { head.seq.saturatingAdd(1) }

    /// A row at or below the anchor: its own hash must match its contents; together they must match the
    /// anchor's held count and digest (checked once the walk passes them, `closeHeld`).
    private mutating func checkHeld(_ entry: AuditEntry) -> Bool {
        guard let prev = entry.prevHash, entry.expectedHash(after: prev) == entry.hash else {
            return fail(seq: entry.seq, "its hash does not match its contents: the entry was edited")
        }
        held?.hold(seq: entry.seq, hash: entry.hash)
        checked += 1
        if let expecting, expecting.seq == entry.seq {
            guard expecting.hash == entry.hash else {
                return fail(
                    seq: entry.seq, "the hash differs from the exported head \(expecting): the past was rewritten")
            }
            expectedSeen = true
        }
        return true
    }

    private mutating func closeHeld() -> Bool {
        guard let seen = held else { return problem == nil }
        held = nil
        guard seen.held == anchor.held, seen.heldDigest == anchor.heldDigest else {
            return fail(
                seq: anchor.outbox.seq,
                "the \(seen.held) rows stored at or below the ledger's anchor (seq \(anchor.outbox.seq)) are not "
                    + "the \(anchor.held) it recorded: a row there was deleted, inserted or edited")
        }
        if let expecting, !expectedSeen, expecting.seq < anchor.outbox.seq {
            return fail(
                seq: expecting.seq,
                "the exported head \(expecting) is older than the pruned ledger (its anchor is at seq "
                    + "\(anchor.outbox.seq)): it can no longer be checked, export a newer head")
        }
        return true
    }

    mutating func fail(seq: Int64, _ reason: String) -> Bool {
        problem = AuditProblem(position: checked, seq: seq, reason: reason)
        return false
    }

    /// Crosses pruned ranges from `head` while one starts right after it (up to `before`, exclusive).
    mutating func crossPruned(before limit: Int64) -> Bool {
        while nextSeq < limit, let range = ranges[nextSeq] {
            guard range.through < limit else {
                return fail(seq: limit, "it lies inside the pruned range \(nextSeq)...\(range.through)")
            }
            guard range.prev == head.hash else {
                return fail(
                    seq: nextSeq,
                    "the prune entry for \(nextSeq)...\(range.through) does not link to entry \(head.seq)")
            }
            head = AuditHead(seq: range.through, hash: range.hash)
            noteExpected()
        }
        return problem == nil
    }

    mutating func check(_ entry: AuditEntry) -> Bool {
        guard problem == nil else { return false }
        if held != nil && entry.seq <= anchor.outbox.seq { return checkHeld(entry) }
        guard closeHeld(), crossPruned(before: entry.seq) else { return false }
        if entry.seq != nextSeq {
            return fail(
                seq: nextSeq,
                entry.seq > head.seq
                    ? "seq \(nextSeq) is missing and no prune entry covers it: the entry was deleted"
                    : "seq \(entry.seq) follows seq \(head.seq): an entry was inserted or reordered here")
        }
        guard entry.prevHash == head.hash else {
            return fail(
                seq: entry.seq,
                "its previous-hash does not match entry \(head.seq): an entry before it was changed or removed")
        }
        guard entry.expectedHash(after: head.hash) == entry.hash else {
            return fail(seq: entry.seq, "its hash does not match its contents: the entry was edited")
        }
        checked += 1
        head = AuditHead(seq: entry.seq, hash: entry.hash)
        noteExpected()
        return problem == nil
    }

    private mutating func noteExpected() {
        guard let expecting, expecting.seq == head.seq else { return }
        if expecting.hash == head.hash {
            expectedSeen = true
        } else {
            problem = AuditProblem(
                position: checked, seq: head.seq,
                reason: "the hash differs from the exported head \(expecting): the past was rewritten")
        }
    }

    /// After the last stored entry: trailing pruned ranges, then what must not be missing at the end.
    mutating func finish(acknowledged: Int64) {
        guard problem == nil, closeHeld(), crossPruned(before: Int64.max) else { return }
        if head.seq < acknowledged {
            _ = fail(
                seq: nextSeq,
                "seq \(nextSeq) is missing: entries through \(acknowledged) were acknowledged, "
                    + "the outbox ends at \(head.seq)")
            return
        }
        if let expecting, !expectedSeen {
            _ = fail(
                seq: nextSeq,
                "the chain ends at seq \(head.seq), before the exported head \(expecting): entries were deleted")
        }
    }
}
