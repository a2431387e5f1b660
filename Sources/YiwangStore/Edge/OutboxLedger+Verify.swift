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
    /// counter of `meta`. `expecting` is an exported head of the outbox chain.
    static func verify(_ db: Database, expecting: AuditHead?) throws -> AuditVerification {
        // 1. The ledger: its own chain, and every prune within what was acknowledged before it.
        var ledger = AuditChainVerifier()
        var ranges: [Int64: PrunedRange] = [:]  // by `from`
        var maxAcked: Int64 = 0
        let ledgerRows = try Row.fetchCursor(db, sql: "SELECT \(columns) FROM outbox_ledger ORDER BY seq")
        while let row = try ledgerRows.next() {
            let entry = entry(from: row)
            guard ledger.check(entry) else { break }
            func broken(_ reason: String) -> AuditVerification {
                AuditVerification(
                    checked: ledger.checked, head: ledger.head,
                    problem: AuditProblem(position: ledger.checked - 1, seq: entry.seq, reason: "ledger: " + reason))
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

        // 2. The outbox, walking any gap through the pruned ranges that must cover it.
        var walk = OutboxWalk(ranges: ranges, expecting: expecting)
        let rows = try Row.fetchCursor(db, sql: OutboxChain.entriesSQL)
        while let row = try rows.next() {
            let entry = try OutboxChain.auditEntry(from: row)
            if !walk.check(entry) { break }
        }
        walk.finish(acknowledged: maxAcked)
        return AuditVerification(checked: walk.checked, head: walk.head, problem: walk.problem)
    }
}

/// The outbox chain walked in seq order, gaps crossed only through pruned ranges.
private struct OutboxWalk {
    let ranges: [Int64: OutboxLedger.PrunedRange]
    let expecting: AuditHead?
    var head = AuditHead.empty
    var checked = 0
    var problem: AuditProblem?
    private var expectedSeen = false

    init(ranges: [Int64: OutboxLedger.PrunedRange], expecting: AuditHead?) {
        self.ranges = ranges
        self.expecting = expecting
        if expecting == .empty { expectedSeen = true }
    }

    mutating func fail(seq: Int64, _ reason: String) -> Bool {
        problem = AuditProblem(position: checked, seq: seq, reason: reason)
        return false
    }

    /// Crosses pruned ranges from `head` while one starts right after it (up to `before`, exclusive).
    mutating func crossPruned(before limit: Int64) -> Bool {
        while head.seq + 1 < limit, let range = ranges[head.seq + 1] {
            guard range.through < limit else {
                return fail(seq: limit, "it lies inside the pruned range \(head.seq + 1)...\(range.through)")
            }
            guard range.prev == head.hash else {
                return fail(
                    seq: head.seq + 1,
                    "the prune entry for \(head.seq + 1)...\(range.through) does not link to entry \(head.seq)")
            }
            head = AuditHead(seq: range.through, hash: range.hash)
            noteExpected()
        }
        return problem == nil
    }

    mutating func check(_ entry: AuditEntry) -> Bool {
        guard problem == nil, crossPruned(before: entry.seq) else { return false }
        if entry.seq != head.seq + 1 {
            return fail(
                seq: head.seq + 1,
                entry.seq > head.seq
                    ? "seq \(head.seq + 1) is missing and no prune entry covers it: the entry was deleted"
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
        guard problem == nil, crossPruned(before: Int64.max) else { return }
        if head.seq < acknowledged {
            _ = fail(
                seq: head.seq + 1,
                "seq \(head.seq + 1) is missing: entries through \(acknowledged) were acknowledged, "
                    + "the outbox ends at \(head.seq)")
            return
        }
        if let expecting, !expectedSeen {
            _ = fail(
                seq: head.seq + 1,
                "the chain ends at seq \(head.seq), before the exported head \(expecting): entries were deleted")
        }
    }
}
