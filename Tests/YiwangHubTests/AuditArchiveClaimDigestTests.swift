import Foundation
import Testing
import YiwangAPI
import YiwangCore
import YiwangTesting

@testable import YiwangStore

/// The hub records an archive only when each claimed file's SHA-256 is that of its own entries encoded again:
/// a claim whose heads are right but whose file digest is not (a file that lost or changed an entry) never
/// lets the hub prune entries no archive file holds.
@Suite struct AuditArchiveClaimDigestTests {
    @Test(.timeLimit(.minutes(1))) func aClaimWhoseFileDigestIsNotTheHubsIsRefusedBeforeAnythingIsPruned() async throws {
        let hub = try ArchivedHubFixture.make(perPhase: 1_500)
        defer { hub.dir.remove() }
        try await hub.markCompacted(through: hub.through40d)
        var archiver = AuditArchiver(directory: hub.archiveDir, cutoffMs: hub.nowMs - 30 * ArchivedHubFixture.day)
        archiver.entriesPerSegment = 1_000
        let run = try await archiver.run(try await hub.source())
        #expect(run.unrecorded.count >= 2)
        let unchanged = try await hub.store.archiveState()
        let rows = try await hub.liveRows()

        // The second segment's file digest replaced by that of other bytes: heads and previous hashes still right.
        var wrong = run.unrecorded
        wrong[1].sha256 = AuditHash.of(Array("a file missing an entry".utf8)).hex
        let claim = ArchiveClaimBody(archiveID: run.manifest.archiveID, directory: hub.archiveDir.path, segments: wrong)
        do {
            _ = try await hub.store.recordArchive(claim, nowMs: hub.nowMs)
            Issue.record("a claim with a wrong file digest was recorded")
        } catch let error as YiwangError {
            #expect(error.field == "sha256")
            #expect(error.message.contains(wrong[1].file), "\(error.message)")
        }
        #expect(try await hub.store.archiveState() == unchanged)
        #expect(try await hub.liveRows() == rows, "nothing pruned")

        // The archiver's own claim matches the hub's re-encoding and is recorded, then pruned.
        let right = ArchiveClaimBody(
            archiveID: run.manifest.archiveID, directory: hub.archiveDir.path, segments: run.unrecorded)
        let state = try await hub.store.recordArchive(right, nowMs: hub.nowMs)
        #expect(state.archivedSeq == run.head.seq && (state.prunedNow ?? 0) > 0)

        // The last segment, now pruned up to its head: repeating its recorded digest is accepted, another one
        // is refused (the hub can no longer encode it, so only what it recorded counts).
        let last = try #require(run.unrecorded.last)
        #expect(state.prunedSeq == last.lastSeq)
        let again = ArchiveClaimBody(archiveID: "again", directory: "/tmp/x", segments: [last])
        #expect(try await hub.store.recordArchive(again, nowMs: hub.nowMs).archivedSeq == run.head.seq)
        var replaced = last
        replaced.sha256 = AuditHash.of(Array("another file".utf8)).hex
        do {
            _ = try await hub.store.recordArchive(
                ArchiveClaimBody(archiveID: "other", directory: "/tmp/x", segments: [replaced]), nowMs: hub.nowMs)
            Issue.record("a pruned segment's digest was replaced")
        } catch let error as YiwangError {
            #expect(error.field == "sha256")
        }
    }
}
