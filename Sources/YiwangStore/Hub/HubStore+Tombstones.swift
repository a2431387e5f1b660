import Foundation
import GRDB
import YiwangCore

/// What one call of `purgeTombstones` did.
public struct TombstonePurgeResult: Sendable, Hashable {
    /// Tombstones removed from `records`.
    public var purged: Int
    /// Tombstones looked at and kept (a node has not had them yet, or they are newer than the horizon).
    public var kept: Int
}

extension HubStore {
    /// Tombstones looked at per write transaction: short, so the batch writer waits for at most one of them.
    static let purgeChunk = 500

    /// Removes from `records` the tombstones `TombstonePurge` allows (README "Deletes and tombstones"), at most
    /// `maxRows` of them, oldest journal entry first, in transactions of `purgeChunk` looked at. `grants`: each
    /// topology node's datasets. Each purge appends a `purge` audit entry linked to the record's history (blame
    /// shows the tombstone as purged); `audit verify` checks only records still stored, so it still passes.
    /// For the compaction service, after it moves `compacted_seq`: nothing is purged before that.
    public func purgeTombstones(grants: [String: Set<String>], nowMs: Int64, maxRows: Int = 10_000) async throws
        -> TombstonePurgeResult
    {
        var result = TombstonePurgeResult(purged: 0, kept: 0)
        var after: Int64 = 0
        while result.purged < maxRows {
            let limit = min(Self.purgeChunk, maxRows - result.purged)
            let afterSeq = after
            let step = try await pool.write { db in
                try Self.purgeStep(db, grants: grants, nowMs: nowMs, afterSeq: afterSeq, limit: limit)
            }
            result.purged += step.purged
            result.kept += step.kept
            guard let resume = step.resumeAfter else { break }
            after = resume
        }
        if result.purged > 0 {
            logger.info(
                "tombstones purged",
                metadata: [
                    "yiwang.purged": "\(result.purged)", "yiwang.kept": "\(result.kept)",
                ])
        }
        return result
    }

    private struct PurgeStep {
        var purged = 0
        var kept = 0
        /// Where the next step starts (the last journal seq looked at); nil when there is nothing after it.
        var resumeAfter: Int64?
    }

    private struct Candidate {
        var dataset: String
        var key: String
        var journalSeq: Int64
        var vectors: [String]
    }

    private static func purgeStep(
        _ db: Database, grants: [String: Set<String>], nowMs: Int64, afterSeq: Int64, limit: Int
    ) throws -> PurgeStep {
        var step = PurgeStep()
        try PurgedRecordTable.trim(db, prunedSeq: try JournalMarks.get(db, .prunedSeq))
        let horizon = try JournalMarks.get(db, .compactedSeq)
        guard horizon > afterSeq else { return step }
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT \(RecordTable.stateColumns), dataset, key, last_audit FROM records
                    WHERE op = 2 AND last_audit > ? AND last_audit <= ? ORDER BY last_audit LIMIT ?
                    """),
            arguments: [afterSeq, horizon, limit])
        func seq(_ row: Row) -> Int64? { Int64.fromDatabaseValue(row["last_audit"] as DatabaseValue) }
        // The next step starts after the last seq looked at; a stored value that would not move it on ends here.
        if rows.count == limit, let last = rows.last.flatMap(seq), last > afterSeq { step.resumeAfter = last }
        var candidates: [Candidate] = []
        for row in rows {
            let dataset: String = row["dataset"]
            let key: String = row["key"]
            guard let journalSeq = seq(row) else { continue }
            // Only a record whose every visible version is a delete (an unresolved put sibling is data).
            guard let state = try? RecordTable.state(from: row, dataset: dataset, key: key),
                state.visible.allSatisfy({ $0.operation == .delete })
            else { continue }
            candidates.append(
                Candidate(
                    dataset: dataset, key: key, journalSeq: journalSeq,
                    vectors: state.visible.map(\.vector.description)))
        }
        let head = try FeedTable.head(db)
        let rule = TombstonePurge(
            grants: grants, seen: try nodeViews(db), horizonSeq: horizon, feedHead: head,
            marginMs: TombstonePurge.defaultMarginMs)
        let positions = try FeedPositions.load(db)
        var audit = try AuditWriter(db)
        for candidate in candidates {
            let tombstone = TombstonePurge.Tombstone(
                dataset: candidate.dataset, key: candidate.key, journalSeq: candidate.journalSeq,
                feedPosition: TombstoneFeedPosition.position(ofNewestEntry: candidate.journalSeq, positions, head: head))
            guard rule.verdict(for: tombstone) == .purge else {
                step.kept += 1
                continue
            }
            let previous = try PurgedRecordTable.purgeSeq(db, dataset: candidate.dataset, key: candidate.key)
            let seq = try audit.append(
                db, atMs: nowMs, kind: PurgedRecordTable.auditKind, node: "", dataset: candidate.dataset,
                key: candidate.key,
                detail: AuditDetail.purged(
                    vectors: candidate.vectors, feedPosition: tombstone.feedPosition, previousPurge: previous),
                recordLink: candidate.journalSeq)
            try db.cachedStatement(sql: "DELETE FROM records WHERE dataset = ? AND key = ?")
                .execute(arguments: [candidate.dataset, candidate.key])
            try PurgedRecordTable.record(db, dataset: candidate.dataset, key: candidate.key, purgeSeq: seq)
            step.purged += 1
        }
        return step
    }

    /// Every node the hub has stored anything about (a `nodes` or a `downlinks` row), as the rule reads it.
    private static func nodeViews(_ db: Database) throws -> [TombstonePurge.NodeView] {
        var views: [ByteKey: TombstonePurge.NodeView] = [:]
        let held = try HeldChangeTable.summary(db)
        for record in try HubNodeRecord.fetchAll(db) {
            views[ByteKey(record.id)] = TombstonePurge.NodeView(
                id: record.id, dataAsOfMs: record.dataAsOfMs,
                oldestHeldMs: held[record.id].flatMap { $0.oldestMs }.flatMap { Millis.clampWall($0) })
        }
        let rows = try Row.fetchAll(db, sql: "SELECT node, cursor, last_pull_ms, served FROM downlinks")
        for row in rows {
            let id: String = row["node"]
            let downlink = DownlinkRecord(row: row)
            var view = views[ByteKey(id)] ?? TombstonePurge.NodeView(id: id)
            view.cursor = downlink.cursor
            view.lastPullMs = downlink.lastPullMs
            view.served = decodeDatasets(row["served"])
            views[ByteKey(id)] = view
        }
        return Array(views.values)
    }
}
