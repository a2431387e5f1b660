import Foundation
import GRDB
import YiwangAPI
import YiwangCore

extension HubStore {
    /// Entries removed per transaction when pruning: short enough that a batch waits at most ~a few tens of
    /// milliseconds behind one chunk.
    public static let pruneChunkRows = 10_000

    /// How much of the audit chain is archived and pruned, and the pruned head the live chain continues from.
    public func archiveState() async throws -> ArchiveStateBody {
        try await pool.read { db in try AuditArchiveTable.state(db) }
    }

    /// The last pruned entry: the live chain continues from it (`.empty` when nothing was pruned).
    public func prunedAuditHead() async throws -> AuditHead {
        try await pool.read { db in try AuditArchiveTable.prunedHead(db) }
    }

    /// Records sealed segments after checking them against the hub's own chain (`AuditArchiveTable.record`) and
    /// each file's SHA-256 against the hub's own entries encoded again (`checkDigests`),
    /// then prunes what is now both archived and compacted (`pruneArchived`, in chunks) and gives the freed
    /// pages back to the file system. Call only once the segment files and their manifest are durable.
    public func recordArchive(_ claim: ArchiveClaimBody, nowMs: Int64) async throws -> ArchiveStateBody {
        // The files' digests are checked in a read transaction (re-encoding is long; the writer goes on meanwhile).
        let checkedAt = try await pool.read { db in try AuditArchiveTable.checkDigests(db, claim) }
        try await pool.write { db in try AuditArchiveTable.record(db, claim, nowMs: nowMs, digestsCheckedAt: checkedAt) }
        var pruned = 0
        while true {
            let removed = try await pruneArchived(maxRows: Self.pruneChunkRows)
            guard removed > 0 else { break }
            pruned += removed
        }
        if pruned > 0 { try await reclaimFreePages() }
        var state = try await archiveState()
        state.prunedNow = pruned
        logger.notice(
            "audit archive recorded",
            metadata: [
                "yiwang.audit.archived_seq": "\(state.archivedSeq)", "yiwang.audit.pruned_seq": "\(state.prunedSeq)",
                "yiwang.audit.pruned_now": "\(pruned)",
            ])
        return state
    }

    /// Removes up to `maxRows` (clamped to 1...100,000) of the oldest journal rows that are both archived and
    /// compacted (seq <= min(`archivedSeq`, `compactedSeq`)), in one transaction, and records the last removed
    /// entry as the pruned head (seq and hash). Returns how many rows went (0: nothing is due). Only archived
    /// entries are ever pruned. Call it again until it returns 0; then `reclaimFreePages`.
    @discardableResult
    public func pruneArchived(maxRows: Int) async throws -> Int {
        let maxRows = Int64(min(max(maxRows, 1), 100_000))
        return try await pool.write { db in
            let due = min(try JournalMarks.get(db, .archivedSeq), try JournalMarks.get(db, .compactedSeq))
            let pruned = try AuditArchiveTable.prunedHead(db)
            guard due > pruned.seq else { return 0 }
            let upTo = min(due, pruned.seq.saturatingAdd(maxRows))
            guard
                let row = try Row.fetchOne(db, sql: "SELECT hash FROM audit WHERE seq = ?", arguments: [upTo]),
                case let stored = ChainedRow.hash(row, "hash"), stored.bytes.count == 32
            else {
                throw YiwangError.storage("the audit log holds no readable entry at seq \(upTo) to prune up to")
            }
            try db.execute(sql: "DELETE FROM audit WHERE seq > ? AND seq <= ?", arguments: [pruned.seq, upTo])
            let removed = db.changesCount
            try db.execute(
                sql: """
                    INSERT INTO audit_pruned_head(id, seq, hash) VALUES (1, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash
                    """, arguments: [upTo, stored.hex])
            try JournalMarks.advance(db, .prunedSeq, to: upTo)
            return removed
        }
    }

    /// Gives free pages back to the file system (`PRAGMA incremental_vacuum`, then a truncating checkpoint so
    /// the WAL's smaller file reaches the database file). Works on files created with `auto_vacuum=INCREMENTAL`
    /// (every hub file created since archives exist); an older file needs one `VACUUM` (`enableIncrementalVacuum`).
    public func reclaimFreePages() async throws {
        try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA incremental_vacuum")
            _ = try? db.checkpoint(.truncate)
        }
    }

    /// Whether the file gives pruned pages back (`auto_vacuum=INCREMENTAL`).
    public func reclaimsFreePages() async throws -> Bool {
        try await pool.read { db in try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") == 2 }
    }

    /// Switches an older file to `auto_vacuum=INCREMENTAL` with one `VACUUM` (rewrites the whole file: run it
    /// with the hub stopped, with free disk space for a second copy). Does nothing on a file already switched.
    public func enableIncrementalVacuum() async throws {
        guard try await !reclaimsFreePages() else { return }
        try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            try db.execute(sql: "VACUUM")
            _ = try? db.checkpoint(.truncate)
        }
    }
}
