import GRDB
import YiwangCore

/// Applies one batch inside the caller's write transaction: reads what the hub's rules need
/// (`BatchPrefetch.needs`), plans the batch (`BatchPlan`, pure), and executes the plan's decisions (records,
/// journal, conflict log, audit entries, rejected and held changes, the node's row); then releases the held
/// changes that waited for the node's new high water (`HeldRelease`, one plan per origin).
struct BatchApplier {
    let batch: SyncBatch
    let rules: HubBatchRules
    var audit = AuditWriter(head: .empty)
    /// The bytes of the values this batch added to the journal (`JournalTotals.valueBytes`, written once).
    var journalValueBytes: Int64 = 0
    /// The records' upsert, prepared once for the batch (`RecordTable.linkedWrite`).
    var recordWrite: BoundWrite?
    /// The path a relayed batch came by, to the hub inclusive, for its `apply` entries; nil for a direct batch.
    var auditPath: [String]? {
        guard let relay = batch.relay else { return nil }
        return relay.path + (rules.scope.hubID.map { [$0] } ?? [])
    }

    init(
        batch: SyncBatch, policies: [String: MergePolicy], grants: Set<String>, nowMs: Int64, maxClockAheadMs: Int64,
        scope: ClaimScope = .open
    ) {
        self.batch = batch
        rules = HubBatchRules(
            policies: policies, grants: grants, scope: scope, nowMs: nowMs,
            limits: HubBatchRules.Limits(
                maxClockAheadMs: maxClockAheadMs, maxHeldPerNode: HeldChangeTable.maxPerNode,
                maxHeldBytesPerNode: HeldChangeTable.maxBytesPerNode))
    }

    mutating func run(_ db: Database) throws -> BatchOutcome {
        let stored = try HubNodeRecord.bookkeeping(db, id: batch.node)
        audit = try AuditWriter(db)
        let needs = BatchPrefetch.needs(for: batch, highWater: stored.highWater)
        var records = try RecordPrefetch(db, versions: needs.newChanges.lazy.map(\.version), withAuditLinks: true)
        var lookup = SequenceRecordLookup()
        var resentRecords: [UInt64: SequenceRecord] = [:]
        for change in needs.resent where resentRecords[change.seq] == nil {
            resentRecords[change.seq] = try lookup.find(db, node: batch.node, change: change)
        }
        let unfound = needs.resent.contains { resentRecords[$0.seq] == nil }
        let prefetched = BatchPrefetch(
            records: records.states, resentRecords: resentRecords,
            journalStartMs: unfound ? try SequenceRecordLookup.journalStartMs(db) : nil,
            highWaters: try Self.highWaters(db, of: needs.countedNodes),
            heldUsage: needs.countedNodes.isEmpty ? .none : try HeldChangeTable.usage(db, node: batch.node),
            lastRefusal: needs.lastRefusal ? try Self.lastRefusal(db, node: batch.node) : nil)

        let relayed = try batch.relay.map { relay in
            RelayedContact(
                path: relay.path, receivedAtMs: relay.receivedAtMs,
                relayClockOffsetMs: try relay.sender.map { try HubNodeRecord.bookkeeping(db, id: $0).reportClockOffsetMs } ?? 0)
        }
        let plan = try BatchPlan(batch: batch, node: stored, rules: rules, prefetched: prefetched, relay: relayed)
        if let skipped = plan.skipped { try record(skipped, node: plan.node.id, db) }
        try execute(plan.decisions, node: plan.node.id, links: &records, db)
        var outcome = BatchOutcome(
            ack: plan.ack, applied: plan.applied, duplicates: plan.duplicates, conflicts: plan.conflicts)
        if let through = plan.releaseThrough {
            try releaseHeld(waitingOn: batch.node, through: through, outcome: &outcome, db)
        }
        try HubNodeRecord.save(plan.node, db)
        try JournalTotals.add(db, JournalTotals.valueBytes, journalValueBytes)
        return outcome
    }

    /// Merges the held changes that waited for `sender` through `through`, in (origin, seq) order, each
    /// against its own node's record; what they did counts in `outcome`, their refusals not in its ack.
    private mutating func releaseHeld(
        waitingOn sender: String, through: UInt64, outcome: inout BatchOutcome, _ db: Database
    ) throws {
        let ready = try HeldChangeTable.waiting(db, on: sender, through: through)
        guard !ready.isEmpty else { return }
        let byOrigin = Dictionary(grouping: ready, by: \.version.origin)
        for origin in byOrigin.keys.sorted() {
            guard let changes = byOrigin[origin], origin != sender else { continue }
            var records = try RecordPrefetch(db, versions: changes.map(\.version), withAuditLinks: true)
            let prefetched = HeldRelease.Prefetch(
                records: records.states,
                highWaters: try Self.highWaters(db, of: HeldRelease.countedNodes(changes, releasing: sender)),
                heldCount: try HeldChangeTable.usage(db, node: origin).count)
            let release = HeldRelease(
                changes, origin: try HubNodeRecord.bookkeeping(db, id: origin), releasing: sender, through: through,
                rules: rules, prefetched: prefetched)
            try execute(release.decisions, node: origin, links: &records, db)
            outcome.applied += release.applied
            outcome.duplicates += release.duplicates
            outcome.conflicts += release.conflicts
            try HubNodeRecord.save(release.node, db)
        }
    }

    /// The hub's high water of each of `nodes`.
    private static func highWaters(_ db: Database, of nodes: [String]) throws -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        let statement = try db.cachedStatement(sql: "SELECT high_water FROM nodes WHERE id = ?")
        for node in nodes {
            result[node] = UInt64(max(0, try Int64.fetchOne(statement, arguments: [node]) ?? 0))
        }
        return result
    }

    /// The hub's last refusal of one of `node`'s changes (`code: message (seq N)`), never a record value.
    private static func lastRefusal(_ db: Database, node: String) throws -> String? {
        let row = try Row.fetchOne(
            db.cachedStatement(
                sql: "SELECT code, message, seq FROM rejected_changes WHERE node = ? ORDER BY id DESC LIMIT 1"),
            arguments: [node])
        guard let row else { return nil }
        let seq: Int64 = row["seq"]
        return NodeBookkeeping.refusalNote(code: row["code"], message: row["message"], seq: UInt64(max(0, seq)))
    }
}
