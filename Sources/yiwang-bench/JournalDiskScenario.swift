import Foundation
import GRDB
import YiwangAPI
import YiwangCore
import YiwangStore

/// `journal-disk`: many changes to the same records, then the journal's upkeep as the daemon runs it
/// (compaction past the retention, the audit sealed into archives, the sealed entries pruned, the pages given
/// back), and `hub.sqlite`'s size against a file holding only the same records (the records table with their
/// final values, same pragmas).
enum JournalDiskScenario {
    static let name = "journal-disk"

    static func run(_ context: BenchContext) async throws -> [BenchResult] {
        let (changes, records) = (context.sizes.journalChanges, context.sizes.journalRecords)
        let perBatch = 1_000
        let node = BenchDaemons.nodeID(1)
        let baseMs = BenchRows.nowMs() - 86_400_000  // a day ago: all of it is older than the retention below
        let store = try HubStore(directory: try context.directory.subdirectory("journal-disk"), logger: context.logger)
        let checkpoints = try BackgroundCheckpoints(path: store.path)
        defer { checkpoints.stop() }
        let policies = Dictionary(uniqueKeysWithValues: BenchRows.datasets.map { ($0, MergePolicy.lww) })
        let grants = Set(BenchRows.datasets)
        let started = ContinuousClock.now
        for first in stride(from: 0, to: changes, by: perBatch) {
            let count = min(perBatch, changes - first)
            let atMs = baseMs + Int64(first / perBatch)
            let versions = (first..<(first + count)).map { i in
                // Change i rewrites record i % records (generation i / records), as the node's (i+1)th write.
                let row = i % records
                return BenchRows.version(
                    row, node: node, seq: UInt64(i + 1), hlcMs: atMs, generation: i / records)
            }
            let batch = BenchRows.batch(node: node, firstSeq: UInt64(first + 1), versions, clockMs: atMs)
            let outcome = try store.applySync(batch: batch, policies: policies, grants: grants, nowMs: atMs)
            guard outcome.ack.rejected.isEmpty else { throw BenchHTTP.Failure(description: "hub refused changes") }
        }
        let applySeconds = Seconds.since(started)
        let beforeUpkeep = try fileBytes(store.path)

        let upkeepStarted = ContinuousClock.now
        let nowMs = BenchRows.nowMs()
        let compaction = try await store.compact(nowMs: nowMs, retentionMs: 60_000)
        let archiveDirectory = try context.directory.subdirectory("archive")
        let archiver = AuditArchiver(directory: AuditArchiveDirectory(path: archiveDirectory), cutoffMs: nowMs)
        let run = try await archiver.run(
            AuditArchiver.Source(
                entries: { from, limit in try await store.auditEntries(from: from, limit: limit) },
                prunedHead: try await store.prunedAuditHead(), archivedSeq: try await store.archiveState().archivedSeq))
        let state = try await store.recordArchive(
            ArchiveClaimBody(archiveID: run.manifest.archiveID, directory: archiveDirectory, segments: run.unrecorded),
            nowMs: nowMs)
        let upkeepSeconds = Seconds.since(upkeepStarted)
        checkpoints.stop()  // so that the last truncating checkpoint is not refused as busy
        try await Task.sleep(for: .milliseconds(300))
        try await store.reclaimFreePages()
        let hubBytes = try fileBytes(store.path)
        let digestBytes = try tableBytes("sequence_digests", path: store.path)

        let recordsOnly = context.directory.file("records-only.sqlite")
        try writeRecordsOnly(records: records, changes: changes, node: node, path: recordsOnly)
        let limitBytes = try fileBytes(recordsOnly)
        let ratio = Double(hubBytes) / Double(max(1, limitBytes))
        return [
            context.result(
                name, "hub.sqlite after \(Format.number(Double(changes))) changes to \(Format.number(Double(records))) "
                    + "records, compacted and archived", Double(hubBytes) / 1_048_576, "MB",
                limit: Double(limitBytes) / 1_048_576, limitLabel: "a file of only those records",
                target: "<= 2x records", met: ratio <= 2,
                notes: "before upkeep \(Format.number(Double(beforeUpkeep) / 1_048_576)) MB; apply "
                    + "\(Format.number(Double(changes) / applySeconds)) changes/s; upkeep \(Format.number(upkeepSeconds)) s "
                    + "(\(compaction.rowsCompacted) values compacted, \(run.entries) entries archived, pruned through "
                    + "seq \(state.prunedSeq)); of it, sequence digests \(Format.number(Double(digestBytes) / 1_048_576)) MB")
        ]
    }

    /// The records' final state (the last generation of each), written as the hub stores them.
    private static func writeRecordsOnly(records: Int, changes: Int, node: String, path: String) throws {
        let pool = try RawSQLite.open(path, role: .hub)
        for first in stride(from: 0, to: min(records, changes), by: 1_000) {
            try pool.write { db in
                for row in first..<min(first + 1_000, min(records, changes)) {
                    let last = row + ((changes - 1 - row) / records) * records  // the last change to this record
                    let version = BenchRows.version(
                        row, node: node, seq: UInt64(last + 1), hlcMs: 0, generation: last / records)
                    try RecordTable.store(
                        db, dataset: version.dataset, key: version.key, state: RecordState(single: version))
                }
            }
        }
        try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }

    /// The pages one table takes in a database file (SQLite's `dbstat`), in bytes.
    private static func tableBytes(_ table: String, path: String) throws -> Int64 {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            try Int64.fetchOne(db, sql: "SELECT SUM(pgsize) FROM dbstat WHERE name = ?", arguments: [table]) ?? 0
        }
    }

    /// The database file's size plus its WAL's, in bytes.
    private static func fileBytes(_ path: String) throws -> Int64 {
        let manager = FileManager.default
        var total: Int64 = 0
        for file in [path, path + "-wal"] where manager.fileExists(atPath: file) {
            total += (try manager.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0
        }
        return total
    }
}
