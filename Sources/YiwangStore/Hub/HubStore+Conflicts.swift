import GRDB
import YiwangCore

extension HubStore {
    /// Conflicts deleted per write transaction: short, so the batch writer waits for at most one chunk.
    static let conflictPruneChunk = 1_000

    /// Deletes conflicts recorded (hub clock) before `beforeMs`, oldest first, at most `maxRows` of them, in
    /// transactions of `conflictPruneChunk`; returns how many went (`conflict_retention`, README "Deletes and
    /// tombstones"). The audit keeps every conflict's `conflict` entry: blame still shows who lost.
    public func pruneConflicts(beforeMs: Int64, maxRows: Int = 100_000) async throws -> Int {
        var pruned = 0
        while pruned < maxRows {
            let limit = min(Self.conflictPruneChunk, maxRows - pruned)
            let count = try await pool.write { db in try ConflictTable.prune(db, beforeMs: beforeMs, maxRows: limit) }
            pruned += count
            if count < limit { break }
        }
        if pruned > 0 { logger.info("conflicts pruned", metadata: ["yiwang.pruned": "\(pruned)"]) }
        return pruned
    }
}
