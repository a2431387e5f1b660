import Foundation
import GRDB
import Testing
import YiwangAPI
import YiwangCore
import YiwangTesting

@testable import YiwangStore

/// Sealed audit archives on a real hub file (issue 15): entries older than the cutoff go into segment files,
/// later runs append, the hub prunes only what is archived and compacted and the file shrinks, and
/// `AuditFile.verify` checks archive and live chain as one chain, records included.
@Suite struct AuditArchiveTests {
    @Test(.timeLimit(.minutes(2))) func archiveAppendPruneShrinkAndVerifyAsOneChain() async throws {
        let hub = try ArchivedHubFixture.make()
        defer { hub.dir.remove() }
        #expect(try await hub.store.reclaimsFreePages(), "a new hub file gives pruned pages back")
        let head = try await hub.store.auditHead()

        // First run: the entries from 50 days ago; nothing is compacted yet, so nothing is pruned.
        let (first, state1) = try await hub.archive(olderThanDays: 45)
        #expect(first.entries == Int(hub.through50d) && first.head.seq == hub.through50d)
        #expect(first.added.count == (Int(hub.through50d) + 999) / 1_000)
        #expect(state1.archivedSeq == hub.through50d && state1.prunedSeq == 0 && state1.prunedNow == 0)
        // Second run appends, continuing the chain.
        let (second, _) = try await hub.archive(olderThanDays: 30)
        #expect(second.added.first?.firstSeq == hub.through50d + 1 && second.head.seq == hub.through40d)
        #expect(second.manifest.segments.count == first.added.count + second.added.count)
        for segment in second.manifest.segments {
            let bytes = try #require(hub.archiveDir.contents(of: segment.file))
            #expect(!String(decoding: bytes, as: UTF8.self).contains("Zhang San"), "an archive never holds values")
        }

        // Compaction has reached past the archive: only archived entries go.
        let before = try hub.fileBytes()
        try await hub.markCompacted(through: head.seq)
        var pruned = 0
        while case let removed = try await hub.store.pruneArchived(maxRows: 1_500), removed > 0 { pruned += removed }
        try await hub.store.reclaimFreePages()
        let after = try hub.fileBytes()
        #expect(pruned == Int(hub.through40d))
        #expect(try await hub.liveRows() == Int(head.seq - hub.through40d))
        #expect(try await hub.store.prunedAuditHead().seq == hub.through40d)
        #expect(after < before * 3 / 4, "the file shrinks after pruning: \(before) -> \(after) bytes")

        // Without the archive: checked from the pruned head, records with archived history not claimed.
        let alone = try AuditFile.verify(path: hub.hubFile).1
        #expect(alone.isIntact && alone.archivedThrough == hub.through40d, "\(String(describing: alone.problem))")
        #expect(alone.recordsNotReplayed == 2 * 2_000 + 1, "every old key and person-1 have archived history")
        // With it: one chain, every record replayed.
        let whole = try AuditFile.verify(path: hub.hubFile, archive: hub.archiveDir)
        #expect(whole.isIntact, "\(whole.problem ?? "")")
        #expect(whole.archive.entries == Int(hub.through40d) && whole.live?.recordsNotReplayed == 0)
        #expect(whole.live?.head == head)
        // An exported head from the archived part is checked in the archive.
        let oldHead = first.head
        #expect(try AuditFile.verify(path: hub.hubFile, archive: hub.archiveDir, expecting: oldHead).isIntact)
        #expect(!(try AuditFile.verify(path: hub.hubFile, expecting: oldHead).1.isIntact))
    }

    @Test(.timeLimit(.minutes(2))) func blameAfterPruneNamesTheSegmentAndRecordsEditedAreStillCaught() async throws {
        let hub = try ArchivedHubFixture.make(perPhase: 300)
        defer { hub.dir.remove() }
        try await hub.markCompacted(through: hub.through40d)
        let (run, state) = try await hub.archive(olderThanDays: 30)
        #expect(state.prunedSeq == hub.through40d && state.prunedNow == Int(hub.through40d))

        let history = try await hub.store.historyBody(dataset: "population", key: "person-1")
        #expect(history.versions.count == 1 && history.versions.first?.status == .visible)
        let archived = try #require(history.archived)
        let holding = try #require(
            run.manifest.segments.first { ($0.firstSeq...$0.lastSeq).contains(archived.newestArchivedSeq) })
        #expect(archived.segment == holding.file && archived.directory == hub.archiveDir.path)
        // A record whose whole history is archived still has an answer.
        let oldKey = "k-\(hub.nowMs - 50 * ArchivedHubFixture.day)-7"
        let old = try await hub.store.historyBody(dataset: "population", key: oldKey)
        #expect(old.versions.isEmpty && old.archived != nil)

        // The archive's versions of person-1, as blame --archive lists them.
        var entries: [AuditEntry] = []
        _ = try AuditArchiveVerifier.verify(hub.archiveDir) { entry, _ in
            if entry.key == "person-1" { entries.append(entry) }
        }
        let versions = RecordHistoryItems.archived(entries, visibleVectors: [history.versions[0].vector])
        #expect(versions.map(\.status) == [.superseded, .superseded])

        // An edited record whose history is archived is still caught, with the archive.
        try hub.store.close()
        let queue = try DatabaseQueue(path: hub.hubFile)
        try await queue.write { db in
            try db.execute(sql: "UPDATE records SET value = '{\"name\":\"Li Si\"}' WHERE key = 'person-1'")
        }
        try queue.close()
        let whole = try AuditFile.verify(path: hub.hubFile, archive: hub.archiveDir)
        #expect(whole.problem?.contains("record \"population\"/\"person-1\"") == true, "\(whole.problem ?? "")")
    }

    @Test(.timeLimit(.minutes(2))) func tamperedArchivesAreCaughtNamingFileAndSeq() async throws {
        let hub = try ArchivedHubFixture.make(perPhase: 1_500)
        defer { hub.dir.remove() }
        try await hub.markCompacted(through: hub.through40d)
        let (run, _) = try await hub.archive(olderThanDays: 30)
        let segments = run.manifest.segments
        #expect(segments.count >= 3)
        let second = segments[1]
        func check(_ copy: AuditArchiveDirectory) throws -> String {
            try AuditFile.verify(path: hub.hubFile, archive: copy).problem ?? "intact"
        }
        #expect(try check(hub.archiveDir) == "intact")

        // One byte of a segment changed.
        let edited = try hub.archiveCopy("edited")
        var bytes = try #require(edited.contents(of: second.file))
        let at = try #require(bytes.indices.dropFirst(bytes.count / 2).first { bytes[$0] == UInt8(ascii: "7") })
        bytes[at] = UInt8(ascii: "8")
        try Data(bytes).write(to: URL(fileURLWithPath: edited.file(second.file)))
        let editedProblem = try check(edited)
        #expect(editedProblem.contains(second.file) && editedProblem.contains("SHA-256"), "\(editedProblem)")
        // ... and the manifest's digest changed to match: the entry's hash catches it, with its seq.
        var manifest = try #require(try edited.manifest())
        manifest.segments[1].sha256 = AuditHash.of(bytes).hex
        try edited.writeManifest(manifest)
        let rehashed = try check(edited)
        #expect(rehashed.contains(second.file) && rehashed.contains("(seq "), "\(rehashed)")

        // A segment file deleted.
        let deleted = try hub.archiveCopy("deleted")
        try FileManager.default.removeItem(atPath: deleted.file(second.file))
        #expect(try check(deleted).contains("\(second.file) (seq \(second.firstSeq)): the file is missing"))
        // A segment removed from the manifest too.
        let unlisted = try hub.archiveCopy("unlisted")
        var shorter = try #require(try unlisted.manifest())
        shorter.segments.remove(at: 1)
        try unlisted.writeManifest(shorter)
        #expect(try check(unlisted).contains("a segment before it was removed"))
        // Two segments listed in swapped order.
        let swapped = try hub.archiveCopy("swapped")
        var reordered = try #require(try swapped.manifest())
        reordered.segments.swapAt(0, 1)
        try swapped.writeManifest(reordered)
        #expect(try check(swapped).contains("seq 1"))
        // The last segment dropped: the archive no longer reaches the hub's pruned head.
        let truncated = try hub.archiveCopy("truncated")
        var cut = try #require(try truncated.manifest())
        let last = cut.segments.removeLast()
        try truncated.writeManifest(cut)
        try FileManager.default.removeItem(atPath: truncated.file(last.file))
        #expect(try check(truncated).contains("the segments after seq \(last.firstSeq - 1) are missing"))
        // A manifest naming a file outside the archive is refused, not followed.
        let escaping = try hub.archiveCopy("escaping")
        var outside = try #require(try escaping.manifest())
        outside.segments[0].file = "../hub.sqlite"
        try escaping.writeManifest(outside)
        #expect(try check(escaping).contains("malformed"))
    }

    @Test func aNulInAKeyRoundTripsThroughTheArchive() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        let old: Int64 = 1_700_000_000_000
        try await store.pool.write { db in
            var writer = try AuditWriter(db)
            for key in ["before", "a\u{0}b", "after"] {
                try writer.append(
                    db, atMs: old, kind: "reject_change", node: Fixtures.city, dataset: "population", key: key,
                    detail: #"{"error":"invalid_field"}"#)
            }
            try JournalMarks.advance(db, .compactedSeq, to: 3)
        }
        let archive = AuditArchiveDirectory(path: dir.file("archive"))
        let run = try await AuditArchiver(directory: archive, cutoffMs: old + 1).run(
            AuditArchiver.Source(
                entries: { from, limit in try await store.auditEntries(from: from, limit: limit) },
                prunedHead: .empty, archivedSeq: 0))
        let state = try await store.recordArchive(
            ArchiveClaimBody(archiveID: run.manifest.archiveID, directory: archive.path, segments: run.unrecorded),
            nowMs: old)
        #expect(run.entries == 3 && state.prunedSeq == 3)
        let text = String(decoding: try #require(archive.contents(of: run.added[0].file)), as: UTF8.self)
        #expect(text.contains(#""key":"a\u0000b""#), "\(text)")
        var keys: [[UInt8]] = []
        #expect(try AuditArchiveVerifier.verify(archive) { entry, _ in keys.append(Array(entry.key.utf8)) }.isIntact)
        #expect(keys[1] == [0x61, 0, 0x62])
        try store.close()
        #expect(try AuditFile.verify(path: dir.path + "/hub.sqlite", archive: archive).isIntact)
    }

    @Test(arguments: [
        ("0s", false), ("59s", false), ("1m", true), ("30d", true), ("36500d", false), ("36501d", false),
        ("99999999999999999999d", false), ("-5d", false), ("", false), ("30", false), ("1e9d", false),
    ])
    func cutoffExtremes(text: String, accepted: Bool) {
        let now: Int64 = 1_790_000_000_000
        switch AuditArchiver.cutoff(before: text, nowMs: now) {
        case .success(let cutoff):
            #expect(accepted, "'\(text)' gave \(cutoff)")
            #expect(cutoff < now && cutoff >= 0)
        case .failure(let error):
            #expect(!accepted, "'\(text)': \(error)")
            #expect(error.field == "before")
        }
        // The hub's clock at its extremes never traps.
        _ = AuditArchiver.cutoff(before: "30d", nowMs: .max)
        _ = AuditArchiver.cutoff(before: "30d", nowMs: .min)
    }

    @Test(.timeLimit(.minutes(1))) func hostileClaimsAndDirectoriesRecordNothing() async throws {
        let hub = try ArchivedHubFixture.make(perPhase: 50)
        defer { hub.dir.remove() }
        try await hub.markCompacted(through: hub.through40d)
        let unchanged = try await hub.store.archiveState()
        // An archive directory that cannot be created.
        try Data("x".utf8).write(to: URL(fileURLWithPath: hub.dir.file("plain-file")))
        let blocked = AuditArchiveDirectory(path: hub.dir.file("plain-file") + "/archive")
        await #expect(throws: YiwangError.self) { try await hub.archive(olderThanDays: 30, into: blocked) }
        #expect(try await hub.store.archiveState() == unchanged)

        // Claims whose heads are not the hub's.
        let entries = try await hub.store.auditEntries(from: 1, limit: 10)
        func claim(first: Int64, last: Int64, head: AuditHash, prev: AuditHash = .genesis) -> ArchiveClaimBody {
            ArchiveClaimBody(
                archiveID: "forged", directory: "/tmp/x",
                segments: [
                    AuditSegmentInfo(
                        file: AuditSegmentInfo.fileName(firstSeq: first, lastSeq: last), firstSeq: first,
                        lastSeq: last, prevHash: prev.hex, headHash: head.hex, firstAtMs: 0, lastAtMs: 0,
                        sha256: AuditHash.genesis.hex)
                ])
        }
        let forged = [
            claim(first: 1, last: 5, head: AuditHash.of("not the hub's")),
            claim(first: 1, last: 5, head: entries[5].hash),  // the hash of seq 6, claimed for seq 5
            claim(first: 2, last: 5, head: entries[4].hash, prev: .genesis),  // wrong previous hash
            claim(first: 3, last: 5, head: entries[4].hash, prev: entries[1].hash),  // leaves seqs 1-2 unarchived
            claim(first: 1, last: Int64.max, head: entries[4].hash),
        ]
        for body in forged {
            await #expect(throws: YiwangError.self) { try await hub.store.recordArchive(body, nowMs: hub.nowMs) }
        }
        #expect(try await hub.store.archiveState() == unchanged)
        #expect(try await hub.liveRows() > 0)

        // A directory holding another hub's chain is refused before anything is written.
        let other = try ArchivedHubFixture.make(perPhase: 60)
        defer { other.dir.remove() }
        try await other.archive(olderThanDays: 45)
        let foreign = AuditArchiveDirectory(path: other.archiveDir.path)
        let manifestBefore = try foreign.manifest()
        await #expect(throws: YiwangError.self) { try await hub.archive(olderThanDays: 30, into: foreign) }
        #expect(try foreign.manifest() == manifestBefore)
        #expect(try await hub.store.archiveState() == unchanged)
    }
}

/// A hub file from before archives keeps `auto_vacuum=NONE` (SQLite takes the mode only before the first
/// table) until one `VACUUM`: `yiwangctl hub vacuum` switches it, once.
@Suite struct HubVacuumTests {
    @Test func anOlderFileIsSwitchedOnceAndThenReclaims() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let old = try DatabaseQueue(path: dir.path + "/hub.sqlite")
        try await old.write { db in try db.execute(sql: "CREATE TABLE older(x INTEGER)") }
        try old.close()
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        #expect(try await !store.reclaimsFreePages())
        try await store.enableIncrementalVacuum()
        #expect(try await store.reclaimsFreePages())
        let run = try CommandRun.run("yiwangctl", ["hub", "vacuum", "--data-dir", dir.path])
        #expect(run.status == 0 && run.stdout.contains("nothing to do"), "\(run.stdout)\(run.stderr)")
    }
}
