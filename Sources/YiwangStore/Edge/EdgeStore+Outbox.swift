import GRDB
import YiwangCore

extension EdgeStore {
    /// The sequence the hub is known to hold through (its last high-water mark); the uplink sends from here + 1.
    public func ackedThrough() async throws(YiwangError) -> UInt64 {
        try await read { db in UInt64(clamping: try EdgeMeta.int(db, EdgeMeta.ackedThrough) ?? 0) }
    }

    /// The next batch: consecutive entries from `firstSeq` (whatever their status, so a rewind resends
    /// them), bounded by count and bytes; empty when nothing is stored from `firstSeq` on.
    public func nextBatch(from firstSeq: UInt64, maxChanges: Int, maxBytes: Int) async throws(YiwangError) -> OutboxBatch {
        try await read { db in
            let entries = try OutboxTable.consecutive(db, from: firstSeq, maxChanges: maxChanges, maxBytes: maxBytes)
            let pending = try OutboxTable.pendingFigures(db)
            let after = try entries.last.map { try OutboxTable.oldestPending(db, after: $0.seq) } ?? pending.oldestMs
            let quarantine = try OutboxTable.quarantineFigures(db)
            return OutboxBatch(
                firstSeq: firstSeq, entries: entries, backlog: pending.count, oldestPendingMs: pending.oldestMs,
                oldestAfterBatchMs: after, quarantined: quarantine.count, oldestQuarantinedMs: quarantine.oldestMs)
        }
    }

    /// The lowest sequence still stored at or after `seq`, if any (to detect a rewind past pruned entries).
    public func firstStoredSeq(atOrAfter seq: UInt64) async throws(YiwangError) -> UInt64? {
        try await read { db in
            try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM outbox WHERE seq >= ?", arguments: [Int64(clamping: seq)])
                .map(UInt64.init)
        }
    }

    /// Applies the hub's answer: everything through `highWater` is acknowledged (rejected entries are
    /// quarantined with the hub's reason instead); entries above it are pending again (a rewind, when the hub
    /// holds less than it did). Records the sync time and clears the last error. `heldThrough` (nil: the same as
    /// `highWater`) is what the province holds when the parent is a relaying city: `prune` never deletes an
    /// entry above it, acknowledged or not.
    public func applyAck(
        highWater: UInt64, heldThrough: UInt64? = nil, rejected: [SyncAck.Rejection], nowMs: Int64
    ) async throws(YiwangError) {
        try await write { db in
            try EdgeMeta.set(db, EdgeMeta.heldThrough, Int64(clamping: min(heldThrough ?? highWater, highWater)))
            for rejection in rejected where rejection.seq <= highWater {
                let reason = "\(rejection.error): \(rejection.message)"
                try db.execute(
                    sql: """
                        UPDATE outbox SET status = 'quarantined', reason = ?, acked_at_ms = NULL
                        WHERE seq = ? AND status = 'pending'
                        """,
                    arguments: [reason, Int64(clamping: rejection.seq)])
                try PendingCounter.add(db, -db.changesCount)
                try db.execute(
                    sql: """
                        UPDATE outbox SET status = 'quarantined', reason = ?, acked_at_ms = NULL
                        WHERE seq = ? AND status = 'acked'
                        """,
                    arguments: [reason, Int64(clamping: rejection.seq)])
            }
            try db.execute(
                sql: "UPDATE outbox SET status = 'acked', acked_at_ms = ? WHERE status = 'pending' AND seq <= ?",
                arguments: [nowMs, Int64(clamping: highWater)])
            try PendingCounter.add(db, -db.changesCount)
            let previous = UInt64(clamping: try EdgeMeta.int(db, EdgeMeta.ackedThrough) ?? 0)
            if highWater < previous {
                try db.execute(
                    sql: "UPDATE outbox SET status = 'pending', acked_at_ms = NULL WHERE status = 'acked' AND seq > ?",
                    arguments: [Int64(clamping: highWater)])
                try PendingCounter.add(db, db.changesCount)
            }
            try OutboxLedger.noteAck(db, through: highWater, atMs: nowMs)  // before `highest` may move below
            // A hub that holds more than this node ever wrote (the node's data was lost): never reuse its numbers.
            let highest = UInt64(clamping: try EdgeMeta.int(db, EdgeMeta.highestSeq) ?? 0)
            if highWater > highest { try EdgeMeta.set(db, EdgeMeta.highestSeq, Int64(clamping: highWater)) }
            try EdgeMeta.set(db, EdgeMeta.ackedThrough, Int64(clamping: highWater))
            try EdgeMeta.set(db, EdgeMeta.lastSyncMs, nowMs)
            try EdgeMeta.set(db, EdgeMeta.lastError, nil)
        }
    }

    /// Quarantines one entry the hub refused on its own (a whole single-change batch refused), with a reason.
    public func quarantine(seq: UInt64, reason: String) async throws(YiwangError) {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET status = 'quarantined', reason = ?, acked_at_ms = NULL
                    WHERE seq = ? AND status = 'pending'
                    """,
                arguments: [reason, Int64(clamping: seq)])
            try PendingCounter.add(db, -db.changesCount)
            try db.execute(
                sql: "UPDATE outbox SET status = 'quarantined', reason = ?, acked_at_ms = NULL WHERE seq = ?",
                arguments: [reason, Int64(clamping: seq)])
        }
    }

    /// Re-queues a quarantined entry as a NEW outbox entry (same version, next sequence, this node's vector
    /// entry set to it); the old entry is marked `requeued`. Returns the new sequence. Refused for a change a
    /// later local write of its record superseded (requeued, it would overwrite that write at the hub).
    public func requeue(seq: UInt64) async throws(YiwangError) -> UInt64 {
        let newSeq = try await write { db throws -> UInt64 in
            guard let entry = try OutboxTable.fetch(db, seq: seq), entry.status == .quarantined else {
                throw YiwangError.notFound("quarantined change \(seq)")
            }
            let next = UInt64(clamping: try EdgeMeta.int(db, EdgeMeta.highestSeq) ?? 0) + 1
            // This node's counter is its sequence (the hub refuses any other): the new entry counts `next`. A
            // change superseded by a later local write of its record would then overwrite that write at the hub.
            let old = entry.change.version
            if let state = try RecordTable.load(db, dataset: old.dataset, key: old.key),
                state.vector.counter(for: nodeID) > seq
            {
                throw YiwangError.invalidField(
                    "seq", "change \(seq) is superseded by a later local write of its record; drop it instead")
            }
            let version = Version(
                dataset: old.dataset, key: old.key, vector: old.vector.setting(nodeID, to: next), hlc: old.hlc,
                origin: old.origin, actor: old.actor, operation: old.operation, value: old.value)
            try OutboxTable.insert(
                db, Change(seq: next, version: version), committedAtMs: wallClock.nowMs(),
                prev: try OutboxChain.previous(db, before: next))
            try db.execute(sql: "UPDATE outbox SET status = 'requeued' WHERE seq = ?", arguments: [Int64(clamping: seq)])
            try PendingCounter.add(db, 1)
            try EdgeMeta.set(db, EdgeMeta.highestSeq, Int64(next))
            return next
        }
        commitBell.ring()
        return newSeq
    }

    /// Quarantined entries, oldest first.
    public func quarantined(limit: Int = 1000) async throws(YiwangError) -> [OutboxEntry] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(OutboxTable.columns) FROM outbox WHERE status = 'quarantined' ORDER BY seq LIMIT ?",
                arguments: [max(1, limit)]
            ).map(OutboxTable.entry(from:))
        }
    }

    /// One outbox entry by sequence.
    public func outboxEntry(seq: UInt64) async throws(YiwangError) -> OutboxEntry? {
        try await read { db in try OutboxTable.fetch(db, seq: seq) }
    }

    /// Records the uplink's last error (shown in status), without touching the cursors.
    public func recordSyncError(_ message: String) async throws(YiwangError) {
        try await write { db in try EdgeMeta.set(db, EdgeMeta.lastError, message) }
    }

    /// Deletes acknowledged entries acknowledged before `olderThanMs` that the province holds (through the last
    /// `heldThrough`; a direct hub's acknowledgement is one). Returns how many were deleted.
    @discardableResult
    public func prune(ackedBeforeMs olderThanMs: Int64) async throws(YiwangError) -> Int {
        try await write { db in
            // The deleted entries are recorded in the chained ledger first (`OutboxLedger`), so a gap that no
            // prune entry covers is a deletion `audit verify` names.
            let held = try Self.heldThrough(db)
            let doomed = try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, prev_hash, hash FROM outbox
                    WHERE status = 'acked' AND acked_at_ms < ? AND seq <= ? ORDER BY seq
                    """,
                arguments: [olderThanMs, held]
            ).map { row in
                (seq: row["seq"] as Int64, prev: ChainedRow.hash(row, "prev_hash", unreadable: .genesis),
                    hash: ChainedRow.hash(row, "hash", unreadable: .genesis))
            }
            if !doomed.isEmpty {
                try OutboxChain.notePrune(db, deleting: doomed.count)
                try OutboxLedger.notePrune(db, doomed: doomed, atMs: wallClock.nowMs())
            }
            try db.execute(
                sql: "DELETE FROM outbox WHERE status = 'acked' AND acked_at_ms < ? AND seq <= ?",
                arguments: [olderThanMs, held])
            return db.changesCount
        }
    }

    /// The figures of `GET /v1/status`.
    public func summary() async throws(YiwangError) -> OutboxSummary {
        try await read { db in
            let pending = try OutboxTable.pendingFigures(db)
            let quarantine = try OutboxTable.quarantineFigures(db)
            return OutboxSummary(
                backlog: pending.count, oldestPendingMs: pending.oldestMs,
                quarantined: quarantine.count, oldestQuarantinedMs: quarantine.oldestMs,
                highestSeq: UInt64(clamping: try EdgeMeta.int(db, EdgeMeta.highestSeq) ?? 0),
                ackedThrough: UInt64(clamping: try EdgeMeta.int(db, EdgeMeta.ackedThrough) ?? 0),
                heldThrough: UInt64(clamping: try Self.heldThrough(db)),
                lastSyncMs: try EdgeMeta.int(db, EdgeMeta.lastSyncMs),
                lastError: try EdgeMeta.text(db, EdgeMeta.lastError))
        }
    }
}

extension EdgeStore {
    /// The sequence the province holds this node's outbox through: the parent's `heldThrough`, or its high
    /// water where it sent none (a direct hub). A file from before relays: the acknowledged cursor.
    static func heldThrough(_ db: Database) throws -> Int64 {
        max(0, try EdgeMeta.int(db, EdgeMeta.heldThrough) ?? EdgeMeta.int(db, EdgeMeta.ackedThrough) ?? 0)
    }
}
