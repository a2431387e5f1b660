import GRDB
import YiwangCore

extension EdgeStore {
    /// Conflicts deleted per write transaction: short, so a local write waits for at most one chunk.
    static let conflictPruneChunk = 1_000

    /// Deletes conflicts recorded (this node's wall clock, as they were recorded) before `beforeMs`, oldest
    /// first, at most `maxRows`, in transactions of `conflictPruneChunk`; returns how many went.
    @discardableResult
    public func pruneConflicts(beforeMs: Int64, maxRows: Int = 100_000) async throws(YiwangError) -> Int {
        var pruned = 0
        while pruned < maxRows {
            let limit = min(Self.conflictPruneChunk, maxRows - pruned)
            let count = try await write { db in try ConflictTable.prune(db, beforeMs: beforeMs, maxRows: limit) }
            pruned += count
            if count < limit { break }
        }
        return pruned
    }

    /// Deletes conflicts older than `retentionMs` by the clock they were recorded with (`pruneConflicts`).
    @discardableResult
    public func pruneConflicts(olderThanMs retentionMs: Int64, maxRows: Int = 100_000) async throws(YiwangError)
        -> Int
    {
        try await pruneConflicts(beforeMs: wallClock.nowMs().saturatingSubtract(max(0, retentionMs)), maxRows: maxRows)
    }

    /// How many conflicts the node's log holds.
    public func conflictCount() async throws(YiwangError) -> Int {
        try await read { db in try ConflictTable.count(db) }
    }
}
