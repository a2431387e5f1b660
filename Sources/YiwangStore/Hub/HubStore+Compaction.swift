import GRDB
import YiwangCore

/// What one compaction did (`HubStore.compact`), and where its marks now stand.
public struct CompactionResult: Sendable, Hashable {
    /// Journal entries whose value was dropped.
    public var rowsCompacted: Int
    /// The bytes of those values.
    public var valueBytesRemoved: Int64
    /// Rows of the old feed table (an upgraded hub's) deleted.
    public var legacyFeedRowsDeleted: Int
    /// Write transactions used (each at most `maxRows` entries).
    public var chunks: Int
    /// Sequence digests of refused or held changes older than the retention deleted (`SequenceDigestTable`).
    public var sequenceDigestsDeleted = 0
    /// Journal entries up to this seq are compacted (`JournalMarks.compactedSeq`).
    public var compactedSeq: Int64
    /// The feed position a node's cursor must have reached to keep pulling (`JournalMarks.compactedPosition`).
    public var compactedPosition: Int64
}

/// The journal's size and how far compaction has come, for the metrics.
public struct JournalStats: Sendable, Hashable {
    /// Journal entries held on the hub.
    public var rows: Int64
    /// The bytes of the values the journal still holds.
    public var valueBytes: Int64
    /// The compacted feed position (the feed's horizon).
    public var compactedPosition: Int64
    /// How far the compacted boundary is behind `now - retention`: the age past the retention of the oldest
    /// entry not yet compacted, 0 when compaction is up to date.
    public var compactionLagMs: Int64
}

extension HubStore {
    /// The most journal entries one compaction transaction touches, so batch writes interleave.
    public static let compactionChunkRows = 5_000

    /// Compacts the journal up to the retention boundary: every entry older than `nowMs - retentionMs` (hub
    /// clock, `at_ms`; from the oldest on, up to the first entry that is not older) loses its value, the old
    /// feed table's rows go once the boundary passes them, so do the sequence digests of refused and held changes
    /// received before both the boundary and the oldest journal entry kept (`SequenceDigestTable.deleteOlder`), and `JournalMarks.compactedSeq` and
    /// `.compactedPosition` move to the boundary. A node needs nothing beyond it that the records do not hold
    /// (README "Retention"). Works in transactions of at most `maxRows` entries, each moving the marks with
    /// what it did: idempotent, resumable after a kill at any point, and correct while batches apply (they
    /// only append after the boundary).
    public func compact(
        nowMs: Int64, retentionMs: Int64, maxRows: Int = HubStore.compactionChunkRows
    ) async throws -> CompactionResult {
        let cutoffMs = nowMs.saturatingSubtract(max(0, retentionMs))
        let maxRows = max(1, min(maxRows, 100_000))
        var result = try await pool.read { db in
            CompactionResult(
                rowsCompacted: 0, valueBytesRemoved: 0, legacyFeedRowsDeleted: 0, chunks: 0,
                compactedSeq: try JournalMarks.get(db, .compactedSeq),
                compactedPosition: try JournalMarks.get(db, .compactedPosition))
        }
        while true {
            let step = try await pool.write { db in
                try JournalCompaction.step(db, cutoffMs: cutoffMs, maxRows: maxRows)
            }
            guard let step else { break }
            result.add(step)
        }
        // A refused or held change's digest stays as long as the journal holds entries from before it: a
        // resend older than the oldest entry kept is then judged by its age (`BatchSteps.predatesJournal`), not
        // refused as reused (a restored node would re-issue an old value over newer writes).
        let digestCutoffMs = try await pool.read { db in
            try SequenceRecordLookup.journalStartMs(db).map { min($0, cutoffMs) }
        }
        if let digestCutoffMs, try await pool.read({ db in try SequenceDigestTable.hasOlder(db, than: digestCutoffMs) }) {
            result.sequenceDigestsDeleted = try await pool.write { db in
                try SequenceDigestTable.deleteOlder(db, than: digestCutoffMs)
            }
        }
        if result.chunks > 0 {
            logger.info(
                "journal compacted",
                metadata: [
                    "yiwang.journal.compacted_seq": "\(result.compactedSeq)",
                    "yiwang.journal.compacted_position": "\(result.compactedPosition)",
                    "yiwang.journal.rows": "\(result.rowsCompacted)",
                ])
        }
        return result
    }

    /// The journal's size and compaction state at `nowMs` with `retentionMs` (cheap: no scan).
    public func journalStats(nowMs: Int64, retentionMs: Int64) async throws -> JournalStats {
        try await pool.read { db in
            // Two queries: SQLite answers a lone min() or max() from the B-tree's end, both at once by a scan.
            // Seqs have no gaps (pruning removes a prefix), so the count is their span.
            let first = try Int64.fetchOne(db.cachedStatement(sql: "SELECT min(seq) FROM audit"))
            let last = try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(seq) FROM audit"))
            let rows = first.flatMap { first in last.map { max(0, $0.saturatingSubtract(first).saturatingAdd(1)) } }
            let compactedSeq = try JournalMarks.get(db, .compactedSeq)
            let oldest = try DatabaseValue.fetchOne(
                db.cachedStatement(sql: "SELECT at_ms FROM audit WHERE seq > ? ORDER BY seq LIMIT 1"),
                arguments: [compactedSeq]
            ).flatMap { Int64.fromDatabaseValue($0) }
            let cutoffMs = nowMs.saturatingSubtract(max(0, retentionMs))
            return JournalStats(
                rows: rows ?? 0, valueBytes: try JournalTotals.get(db, JournalTotals.valueBytes),
                compactedPosition: try FeedTable.horizon(db),
                compactionLagMs: oldest.map { max(0, cutoffMs.saturatingSubtract($0)) } ?? 0)
        }
    }
}

extension CompactionResult {
    mutating func add(_ step: JournalCompaction.Step) {
        rowsCompacted += step.rowsCompacted
        valueBytesRemoved = valueBytesRemoved.saturatingAdd(step.valueBytesRemoved)
        legacyFeedRowsDeleted += step.legacyFeedRowsDeleted
        chunks += 1
        compactedSeq = step.compactedSeq
        compactedPosition = step.compactedPosition
    }
}

/// One compaction transaction (`HubStore.compact`).
enum JournalCompaction {
    struct Step {
        var rowsCompacted = 0
        var valueBytesRemoved: Int64 = 0
        var legacyFeedRowsDeleted = 0
        var compactedSeq: Int64
        var compactedPosition: Int64
    }

    /// Compacts the next chunk of at most `maxRows` entries, or the old feed table's next rows; nil when there
    /// is nothing left to do below `cutoffMs`.
    static func step(_ db: Database, cutoffMs: Int64, maxRows: Int) throws -> Step? {
        let positions = try FeedPositions.load(db)
        var step = Step(
            compactedSeq: try JournalMarks.get(db, .compactedSeq),
            compactedPosition: try JournalMarks.get(db, .compactedPosition))
        // The old table's rows are older than every journal entry after its base: once the boundary is past
        // the base (or, with no base, past the first entry), a node never reads them again.
        if positions.legacyHead > 0, step.compactedSeq >= max(positions.journalBase, 1) {
            let deleted = try deleteLegacyFeed(db, through: positions.legacyHead, maxRows: maxRows)
            if deleted > 0 {
                step.legacyFeedRowsDeleted = deleted
                return step
            }
        }
        // The chunk's boundary: the last of the leading run of entries older than the cutoff (read only as far
        // as that run goes). An unreadable time (an edited file) counts as not older: compaction stops there.
        let entries = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT seq, at_ms FROM audit WHERE seq > ? ORDER BY seq LIMIT ?"),
            arguments: [step.compactedSeq, maxRows])
        var boundary: Int64?
        while let row = try entries.next() {
            guard (Int64.fromDatabaseValue(row["at_ms"] as DatabaseValue) ?? .max) < cutoffMs else { break }
            boundary = row["seq"]
        }
        guard let boundary else { return nil }
        let range: StatementArguments = [step.compactedSeq, boundary]
        let dropped = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT count(*) AS n, sum(length(CAST(value AS BLOB))) AS bytes FROM audit
                    WHERE seq > ? AND seq <= ? AND value IS NOT NULL
                    """),
            arguments: range)
        step.rowsCompacted = dropped?["n"] ?? 0
        step.valueBytesRemoved = max(0, dropped?["bytes"] as Int64? ?? 0)
        try db.cachedStatement(sql: "UPDATE audit SET value = NULL WHERE seq > ? AND seq <= ? AND value IS NOT NULL")
            .execute(arguments: range)
        try JournalTotals.add(db, JournalTotals.valueBytes, -step.valueBytesRemoved)
        // The horizon: the newest feed version compacted (a cursor at or past it misses nothing), and the old
        // table's head once the boundary passes the base.
        let newestFeed = try Int64.fetchOne(
            db.cachedStatement(
                sql: "SELECT seq FROM audit WHERE seq > ? AND seq <= ? AND feed IS NOT NULL ORDER BY seq DESC LIMIT 1"),
            arguments: [max(step.compactedSeq, positions.journalBase), boundary])
        var horizon = newestFeed.map(positions.position(ofSeq:)) ?? 0
        if boundary >= max(positions.journalBase, 1) { horizon = max(horizon, positions.legacyHead) }
        try JournalMarks.advance(db, .compactedSeq, to: boundary)
        try JournalMarks.advance(db, .compactedPosition, to: horizon)
        step.compactedSeq = boundary
        step.compactedPosition = max(step.compactedPosition, horizon)
        return step
    }

    /// Deletes up to `maxRows` of the old feed table's rows through `through`; how many.
    private static func deleteLegacyFeed(_ db: Database, through: Int64, maxRows: Int) throws -> Int {
        try db.cachedStatement(
            sql: """
                DELETE FROM feed WHERE hub_seq IN (SELECT hub_seq FROM feed WHERE hub_seq <= ? ORDER BY hub_seq LIMIT ?)
                """
        ).execute(arguments: [through, maxRows])
        return db.changesCount
    }
}
