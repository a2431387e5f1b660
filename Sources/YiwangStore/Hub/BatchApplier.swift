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
    /// Who may appear in a vector (issue 13, class 3: see `VectorClaims`).
    let scope: ClaimScope

    private var applied = 0
    private var duplicates = 0
    private var conflicts = 0
    private var rejected: [SyncAck.Rejection] = []
    private var audit = AuditWriter(head: .empty)
    /// The hub's high water of every other node the batch's vectors count, read once per batch.
    private var highWaters: [String: UInt64] = [:]
    /// Held changes of the batch's node, read when the first one would be held.
    private var heldUsage: HeldChangeTable.Usage?
    /// While releasing held changes: the batch's node and its new high water (not saved yet).
    private var releasingFor: (node: String, highWater: UInt64)?

    init(
        batch: SyncBatch, policies: [String: MergePolicy], grants: Set<String>, nowMs: Int64, limits: Limits,
        scope: ClaimScope = .open
    ) {
        self.batch = batch
        self.policies = policies
        self.grants = grants
        self.nowMs = nowMs
        self.limits = limits
        self.scope = scope
    }

    mutating func run(_ db: Database) throws -> BatchOutcome {
        var node = try HubNodeRecord.fetch(db, id: batch.node) ?? HubNodeRecord(id: batch.node)
        audit = try AuditWriter(db)
        let report = batch.report
        // The report's times are range-checked by the decoder; the arithmetic saturates all the same.
        let offset = report.clockMs.saturatingSubtract(nowMs)
        node.lastContactMs = nowMs
        node.clockOffsetMs = Millis.clampSpan(HubNodeRecord.nodeClockOffset(report, conversionOffsetMs: offset))
        func hubTime(_ nodeMs: Int64) -> Int64 { max(0, min(nowMs, nodeMs.saturatingSubtract(offset))) }

        if batch.firstSeq > node.highWater + 1 {
            // A gap: the hub misses entries (e.g. restored from a backup). Apply nothing; ask for a rewind.
            node.backlog = report.backlog
            node.oldestPendingMs = report.oldestPendingMs.map(hubTime)
            let heldThrough = node.noteQuarantine(report, nowMs: nowMs, hubTime: hubTime)
            if node.oldestPendingMs != nil || node.oldestQuarantinedMs != nil { node.dataAsOfMs = heldThrough }
            node.noteStanding(
                nowMs: nowMs, lastRefusal: try node.quarantined > 0 ? Self.lastRefusal(db, node: batch.node) : nil)
            try node.save(db)
            let ack = SyncAck(
                highWater: node.highWater, expectedSeq: node.highWater + 1, rejected: [], hubClockMs: nowMs)
            return BatchOutcome(ack: ack, applied: 0, duplicates: 0, conflicts: 0)
        }

        var prefetch = try RecordPrefetch(
            db, versions: batch.changes.lazy.filter { $0.seq > node.highWater }.map(\.version), withAuditLinks: true)
        let heldThrough = node.highWater
        highWaters = try Self.highWaters(
            db, countedIn: batch.changes.lazy.filter { $0.seq > heldThrough }, except: node.id)
        var held = 0  // entries of this batch the hub now holds
        var complete = true
        for change in batch.changes {
            if change.seq <= node.highWater {
                held += 1
                if try refuseReused(change, db: db, node: &node) { continue }
                duplicates += 1
                continue
            }
            guard change.seq == node.highWater + 1 else {
                complete = false  // not consecutive: keep what is applied, the node resends the rest
                break
            }
            try SequenceDigestTable.record(
                db, node: node.id, seq: change.seq, digest: SequenceDigestTable.digest(change.version))
            try apply(change, db: db, node: &node, prefetch: &prefetch)
            node.highWater = change.seq
            held += 1
        }
        try releaseHeld(db, waitingOn: node)

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
        node.dataAsOfMs = node.noteQuarantine(report, refusedNow: rejected.count, nowMs: nowMs, hubTime: hubTime)
        if !rejected.isEmpty, let last = rejected.last {
            node.lastError = "\(last.error): \(last.message) (seq \(last.seq))"
            node.lastErrorAtMs = nowMs
        } else {
            node.noteStanding(
                nowMs: nowMs, lastRefusal: try node.quarantined > 0 ? Self.lastRefusal(db, node: batch.node) : nil)
        }
        try node.save(db)
        let ack = SyncAck(highWater: node.highWater, expectedSeq: nil, rejected: rejected, hubClockMs: nowMs)
        return BatchOutcome(ack: ack, applied: applied, duplicates: duplicates, conflicts: conflicts)
    }

    private mutating func apply(
        _ change: Change, db: Database, node: inout HubNodeRecord, prefetch: inout RecordPrefetch,
        released: Bool = false
    ) throws {
        let version = change.version
        do {
            if !released { try validate(version) }
            if try holdBack(change, db: db, node: &node, released: released) { return }
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
                        db, atMs: nowMs, kind: "conflict", node: node.id, dataset: version.dataset,
                        key: version.key, detail: AuditDetail.conflict(record), recordLink: link)
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
                node.id, Int64(clamping: change.seq), error.code.rawValue, error.message, nowMs,
            ])
            try audit.append(
                db, atMs: nowMs, kind: "reject_change", node: node.id, dataset: String(version.dataset.prefix(64)),
                key: String(version.key.prefix(512)), detail: AuditDetail.refusal(error, seq: change.seq))
        }
    }

    private mutating func auditVersion(_ db: Database, _ change: Change, outcome: String, recordLink: Int64?)
        throws -> Int64
    {
        try audit.append(
            db, atMs: nowMs, kind: "apply", node: change.version.origin, dataset: change.version.dataset,
            key: change.version.key, detail: AuditDetail.applied(change.version, seq: change.seq, outcome: outcome),
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
        let drift = version.hlc.wallMs.saturatingSubtract(nowMs)
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

// MARK: - Claims (issue 13, classes 3 and 11)

extension BatchApplier {
    /// The hub's high water of every node counted in `changes`' vectors other than `sender`.
    fileprivate static func highWaters(_ db: Database, countedIn changes: some Sequence<Change>, except sender: String)
        throws -> [String: UInt64]
    {
        var result: [String: UInt64] = [:]
        for change in changes {
            for entry in change.version.vector.entries where entry.node != sender && result[entry.node] == nil {
                result[entry.node] = try highWater(db, of: entry.node)
            }
        }
        return result
    }

    fileprivate static let heldBackError = "held back:"

    fileprivate static func highWater(_ db: Database, of node: String) throws -> UInt64 {
        let stored = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT high_water FROM nodes WHERE id = ?"), arguments: [node])
        return UInt64(max(0, stored ?? 0))
    }

    /// A resend of a sequence the hub holds: refused (not a duplicate) when the hub recorded different content
    /// for it, i.e. the node reuses its sequence numbers (restored from an older copy). Returns true if refused.
    fileprivate mutating func refuseReused(_ change: Change, db: Database, node: inout HubNodeRecord) throws -> Bool {
        guard let stored = try SequenceDigestTable.stored(db, node: node.id, seq: change.seq),
            stored != SequenceDigestTable.digest(change.version)
        else { return false }
        let error = YiwangError.sequenceReused(seq: change.seq, highWater: node.highWater)
        rejected.append(SyncAck.Rejection(seq: change.seq, error: error.code.rawValue, message: error.message))
        node.rejectedChanges += 1
        try db.cachedStatement(
            sql: "INSERT INTO rejected_changes(node, seq, code, message, at_ms) VALUES (?, ?, ?, ?, ?)"
        ).execute(arguments: [node.id, Int64(clamping: change.seq), error.code.rawValue, error.message, nowMs])
        try audit.append(
            db, atMs: nowMs, kind: "reject_change", node: node.id, dataset: String(change.version.dataset.prefix(64)),
            key: String(change.version.key.prefix(512)), detail: AuditDetail.refusal(error, seq: change.seq))
        return true
    }

    /// Judges the change's vector (`VectorClaims`). A claim that can never come true throws (the change is
    /// refused on its own). A counter for another node beyond what the hub holds of it holds the change back
    /// (returns true): stored in `held_changes`, or, when `released`, left there waiting for the next node.
    fileprivate mutating func holdBack(_ change: Change, db: Database, node: inout HubNodeRecord, released: Bool)
        throws -> Bool
    {
        let known = highWaters
        let releasing = releasingFor
        let claim = try VectorClaims.check(change, scope: scope) { other in
            if let releasing, releasing.node == other { return releasing.highWater }
            if !released, let held = known[other] { return held }
            return try Self.highWater(db, of: other)
        }
        switch claim {
        case .holds:
            if released { try HeldChangeTable.release(db, node: node.id, seq: change.seq) }
            return false
        case .impossible(let error):
            if released { try HeldChangeTable.release(db, node: node.id, seq: change.seq) }
            throw error
        case .waits(let other, let counter) where released:
            try HeldChangeTable.rewait(db, node: node.id, seq: change.seq, waitNode: other, waitCounter: counter)
            return true
        case .waits(let other, let counter):
            var usage = try heldUsage ?? HeldChangeTable.usage(db, node: node.id)
            let encoded = VersionListCodec.encode([change.version])
            guard usage.count < HeldChangeTable.maxPerNode,
                usage.bytes + encoded.count <= HeldChangeTable.maxBytesPerNode
            else { throw YiwangError.heldLimit(node: other, counter: counter, limit: usage.count) }
            let (nodeTime, overflow) = change.version.hlc.wallMs.subtractingReportingOverflow(node.clockOffsetMs)
            try HeldChangeTable.hold(
                db, change, encoded: encoded, waitNode: other, waitCounter: counter,
                dataMs: overflow ? nowMs : min(nowMs, nodeTime), nowMs: nowMs)
            usage.count += 1
            usage.bytes += encoded.count
            heldUsage = usage
            _ = try audit.append(
                db, atMs: nowMs, kind: "hold", node: node.id, dataset: change.version.dataset,
                key: change.version.key,
                detail: AuditDetail.applied(change.version, seq: change.seq, outcome: "held"))
            node.lastError =
                "\(Self.heldBackError) change seq \(change.seq) counts node '\(other)' at \(counter), beyond what the hub holds"
            node.lastErrorAtMs = nowMs
            return true
        }
    }

    /// Merges the held changes that waited for `sender` through its new high water, in (origin, seq) order,
    /// each against its own node's record. Their refusals are recorded against their own node, never in the
    /// sender's acknowledgement. Releasing moves no high water, so one pass releases everything now ready.
    fileprivate mutating func releaseHeld(_ db: Database, waitingOn sender: HubNodeRecord) throws {
        let ready = try HeldChangeTable.waiting(db, on: sender.id, through: sender.highWater)
        guard !ready.isEmpty else { return }
        let ownRejections = rejected
        releasingFor = (sender.id, sender.highWater)
        defer {
            rejected = ownRejections
            releasingFor = nil
        }
        let byOrigin = Dictionary(grouping: ready, by: \.version.origin)
        for origin in byOrigin.keys.sorted() {
            guard let changes = byOrigin[origin], origin != sender.id else { continue }
            var record = try HubNodeRecord.fetch(db, id: origin) ?? HubNodeRecord(id: origin)
            var prefetch = try RecordPrefetch(db, versions: changes.map(\.version), withAuditLinks: true)
            for change in changes {
                try apply(change, db: db, node: &record, prefetch: &prefetch, released: true)
            }
            if record.lastError?.hasPrefix(Self.heldBackError) == true,
                try HeldChangeTable.usage(db, node: origin).count == 0
            {
                record.lastError = nil  // nothing of this node is held back any more
            }
            try record.save(db)
        }
    }
}
