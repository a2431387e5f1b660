import Foundation
import GRDB
import YiwangAPI
import YiwangCore
import YiwangTesting

@testable import YiwangStore

/// A hub store whose audit chain has entries from 50 and 40 days ago and from now, for the archive tests.
struct ArchivedHubFixture {
    static let day: Int64 = 86_400_000
    static let value = #"{"name":"Zhang San, personal"}"#
    let dir: TemporaryDirectory
    let store: HubStore
    let nowMs: Int64
    /// Seqs of the last entry written 50 days ago and 40 days ago.
    let through50d: Int64
    let through40d: Int64

    var archiveDir: AuditArchiveDirectory { AuditArchiveDirectory(path: dir.file("archive")) }
    var hubFile: String { dir.path + "/hub.sqlite" }

    /// `perPhase` changes to distinct keys (and one to `person-1`) at each of -50 d and -40 d, one batch per 500,
    /// then a change to `person-1` and to `recent` now.
    static func make(perPhase: Int = 2_000) throws -> ArchivedHubFixture {
        let dir = try TemporaryDirectory()
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        let now: Int64 = 1_790_000_000_000
        var counter: UInt64 = 0
        var seq: UInt64 = 1
        func send(keys: [String], atMs: Int64) throws {
            let versions = keys.map { key -> Version in
                counter += 1
                return Fixtures.version(node: Fixtures.city, counter: counter, key: key, value: value, hlcMs: atMs)
            }
            let batch = Fixtures.batch(node: Fixtures.city, firstSeq: seq, versions, clockMs: atMs)
            seq += UInt64(versions.count)
            _ = try store.applySync(batch: batch, policies: ["population": .lww], grants: ["population"], nowMs: atMs)
        }
        var heads: [Int64] = []
        for phase in [now - 50 * day, now - 40 * day] {
            let keys = ["person-1"] + (0..<perPhase).map { "k-\(phase)-\($0)" }
            for start in stride(from: 0, to: keys.count, by: 500) {
                try send(keys: Array(keys[start..<min(start + 500, keys.count)]), atMs: phase)
            }
            heads.append(try store.pool.read { db in try AuditTable.head(db).seq })
        }
        try send(keys: ["person-1", "recent"], atMs: now)
        return ArchivedHubFixture(
            dir: dir, store: store, nowMs: now, through50d: heads[0], through40d: heads[1])
    }

    /// The offline source `yiwangctl audit archive --data-dir` uses.
    func source() async throws -> AuditArchiver.Source {
        AuditArchiver.Source(
            entries: { [store] from, limit in try await store.auditEntries(from: from, limit: limit) },
            prunedHead: try await store.prunedAuditHead(), archivedSeq: try await store.archiveState().archivedSeq)
    }

    /// Archives entries older than `daysAgo` into `directory`, segments of 1,000, and records the archive.
    @discardableResult
    func archive(olderThanDays daysAgo: Int64, into directory: AuditArchiveDirectory? = nil) async throws
        -> (AuditArchiver.Run, ArchiveStateBody)
    {
        let target = directory ?? archiveDir
        var archiver = AuditArchiver(directory: target, cutoffMs: nowMs - daysAgo * Self.day)
        archiver.entriesPerSegment = 1_000
        let run = try await archiver.run(try await source())
        let claim = ArchiveClaimBody(archiveID: run.manifest.archiveID, directory: target.path, segments: run.unrecorded)
        return (run, try await store.recordArchive(claim, nowMs: nowMs))
    }

    /// What compaction would record: journal entries up to `seq` compacted.
    func markCompacted(through seq: Int64) async throws {
        try await store.pool.write { db in try JournalMarks.advance(db, .compactedSeq, to: seq) }
    }

    func liveRows() async throws -> Int {
        try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM audit") ?? 0 }
    }

    func fileBytes() throws -> Int {
        try store.pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        return (try FileManager.default.attributesOfItem(atPath: hubFile)[.size] as? Int) ?? 0
    }

    /// A copy of the archive directory to tamper with.
    func archiveCopy(_ name: String) throws -> AuditArchiveDirectory {
        let copy = dir.file(name)
        try FileManager.default.copyItem(atPath: archiveDir.path, toPath: copy)
        return AuditArchiveDirectory(path: copy)
    }
}
