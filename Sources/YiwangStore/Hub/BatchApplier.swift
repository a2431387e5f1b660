import GRDB
import YiwangCore

/// Applies one batch inside the caller's write transaction: gap detection, idempotent skipping of entries
/// already held, per-change validation (an invalid change is refused on its own and never blocks the ones
/// behind it), merging by `Merge.merge` (as `RecordTable.merge` does on the edge), and the node's report.
struct BatchApplier {
    struct Limits {
        var maxClockAheadMs: Int64
    }

    let batch: SyncBatch
    let policies: [String: MergePolicy]
    let grants: Set<String>
    let nowMs: Int64
    let limits: Limits

    private var applied = 0
    private var duplicates = 0
    private var conflicts = 0
    private var rejected: [SyncAck.Rejection] = []
    private var audit = AuditWriter(head: .empty)

    init(batch: SyncBatch, policies: [String: MergePolicy], grants: Set<String>, nowMs: Int64, limits: Limits) {
        self.batch = batch
        self.policies = policies
        self.grants = grants
        self.nowMs = nowMs
        self.limits = limits
    }

    mutating func run(_ db: Database) throws -> BatchOutcome {
        var node = try HubNodeRecord.fetch(db, id: batch.node) ?? HubNodeRecord(id: batch.node)
        audit = try AuditWriter(db)
        let report = batch.report
        let offset = report.clockMs - nowMs
        node.lastContactMs = nowMs
        node.clockOffsetMs = offset
        func hubTime(_ nodeMs: Int64) -> Int64 { min(nowMs, nodeMs - offset) }

        if batch.firstSeq > node.highWater + 1 {
            // A gap: the hub misses entries (e.g. restored from a backup). Apply nothing; ask for a rewind.
            node.backlog = report.backlog
            node.oldestPendingMs = report.oldestPendingMs.map(hubTime)
            if let oldest = node.oldestPendingMs { node.dataAsOfMs = oldest }
            try node.save(db)
            let ack = SyncAck(
                highWater: node.highWater, expectedSeq: node.highWater + 1, rejected: [], hubClockMs: nowMs)
            return BatchOutcome(ack: ack, applied: 0, duplicates: 0, conflicts: 0)
        }

        var prefetch = try RecordPrefetch(
            db, versions: batch.changes.lazy.filter { $0.seq > node.highWater }.map(\.version), withAuditLinks: true)
        var held = 0  // entries of this batch the hub now holds
        var complete = true
        for change in batch.changes {
            if change.seq <= node.highWater {
                duplicates += 1
                held += 1
                continue
            }
            guard change.seq == node.highWater + 1 else {
                complete = false  // not consecutive: keep what is applied, the node resends the rest
                break
            }
            try apply(change, db: db, node: &node, prefetch: &prefetch)
            node.highWater = change.seq
            held += 1
        }

        node.backlog = report.backlog >= UInt64(held) ? report.backlog - UInt64(held) : 0
        let oldestPending: Int64?
        if !complete {
            oldestPending = report.oldestPendingMs
        } else if batch.changes.isEmpty {  // a heartbeat: everything pending is after this (empty) batch
            oldestPending = report.oldestPendingMs ?? report.oldestAfterBatchMs
        } else {
            oldestPending = report.oldestAfterBatchMs
        }
        node.oldestPendingMs = oldestPending.map(hubTime)
        node.dataAsOfMs = node.oldestPendingMs ?? nowMs
        if !rejected.isEmpty, let last = rejected.last {
            node.lastError = "\(last.error): \(last.message) (seq \(last.seq))"
            node.lastErrorAtMs = nowMs
        }
        try node.save(db)
        let ack = SyncAck(highWater: node.highWater, expectedSeq: nil, rejected: rejected, hubClockMs: nowMs)
        return BatchOutcome(ack: ack, applied: applied, duplicates: duplicates, conflicts: conflicts)
    }

    private mutating func apply(
        _ change: Change, db: Database, node: inout HubNodeRecord, prefetch: inout RecordPrefetch
    ) throws {
        let version = change.version
        do {
            try validate(version)
            let policy = policies[version.dataset] ?? .lww
            let current = prefetch.state(dataset: version.dataset, key: version.key)
            if let current { try checkNotBackwards(version, current: current) }
            let outcome = Merge.merge(version, into: current, policy: policy)
            // The audit entries first: the last one's seq is the record's new history link, stored with it.
            var link = try auditVersion(
                db, change, outcome: outcome == .ignored ? "obsolete" : "applied",
                recordLink: prefetch.auditLink(dataset: version.dataset, key: version.key))
            switch outcome {
            case .applied:
                applied += 1
                node.changesApplied += 1
            case .ignored:
                duplicates += 1
            case .conflict(_, let records):
                applied += 1
                node.changesApplied += 1
                for record in records {
                    link = try audit.append(
                        db, atMs: nowMs, kind: "conflict", node: batch.node, dataset: version.dataset,
                        key: version.key, detail: AuditWriter.conflictDetail(record), recordLink: link)
                }
                for record in records { try ConflictTable.append(db, record, atMs: nowMs) }
                conflicts += records.count
                node.conflicts += UInt64(records.count)
            }
            if let state = outcome.newState {
                try RecordTable.store(db, dataset: version.dataset, key: version.key, state: state, auditLink: link)
                prefetch.update(dataset: version.dataset, key: version.key, to: state)
                try FeedTable.append(db, version)  // the downlink feed, in the merge's transaction
            } else {
                try db.cachedStatement(sql: "UPDATE records SET last_audit = ? WHERE dataset = ? AND key = ?")
                    .execute(arguments: [link, version.dataset, version.key])
            }
            prefetch.updateAuditLink(dataset: version.dataset, key: version.key, to: link)
        } catch let error as YiwangError {
            rejected.append(SyncAck.Rejection(seq: change.seq, error: error.code.rawValue, message: error.message))
            node.rejectedChanges += 1
            let statement = try db.cachedStatement(
                sql: "INSERT INTO rejected_changes(node, seq, code, message, at_ms) VALUES (?, ?, ?, ?, ?)")
            try statement.execute(arguments: [
                batch.node, Int64(clamping: change.seq), error.code.rawValue, error.message, nowMs,
            ])
            try audit.append(
                db, atMs: nowMs, kind: "reject_change", node: batch.node, dataset: String(version.dataset.prefix(64)),
                key: String(version.key.prefix(512)), detail: AuditWriter.errorDetail(error, seq: change.seq))
        }
    }

    private mutating func auditVersion(_ db: Database, _ change: Change, outcome: String, recordLink: Int64?)
        throws -> Int64
    {
        try audit.append(
            db, atMs: nowMs, kind: "apply", node: batch.node, dataset: change.version.dataset,
            key: change.version.key, detail: AuditWriter.versionDetail(change.version, seq: change.seq, outcome: outcome),
            recordLink: recordLink)
    }

    /// The checks every incoming change must pass; the message names what is wrong, never the value.
    private func validate(_ version: Version) throws(YiwangError) {
        try Validation.nodeID(version.origin, field: "origin")
        guard ByteKey.equal(version.origin, batch.node) else {
            throw .forbidden("change originates at '\(version.origin)'; node '\(batch.node)' may send only its own")
        }
        try Validation.dataset(version.dataset)
        guard grants.contains(version.dataset) else { throw .unknownDataset(version.dataset) }
        try Validation.key(version.key)
        try Validation.actor(version.actor)
        if version.operation == .put { try Validation.value(version.value ?? "") }
        for entry in version.vector.entries { try Validation.nodeID(entry.node, field: "vector") }
        guard version.vector.counter(for: version.origin) > 0 else {
            throw .invalidVector("the vector has no entry for its origin '\(version.origin)'")
        }
        let drift = version.hlc.wallMs - nowMs
        if drift > limits.maxClockAheadMs { throw .clockAhead(driftMs: drift) }
    }

    /// An origin's counter only grows: a new version (not already covered) must carry a higher counter for
    /// its origin than any version of the record the hub has seen; else the node reused a counter.
    private func checkNotBackwards(_ version: Version, current: RecordState) throws(YiwangError) {
        let stored = current.vector
        if version.vector.isCovered(by: stored) { return }
        let seen = stored.counter(for: version.origin)
        let incoming = version.vector.counter(for: version.origin)
        if incoming <= seen {
            throw .invalidVector(
                "the vector goes backwards: '\(version.origin)' counter \(incoming) after \(seen) was seen")
        }
    }
}
