import Foundation
import GRDB
import Testing
import YiwangCore
import YiwangHub
import YiwangTesting

@testable import YiwangStore

/// Issue 15: a resent sequence is judged by its journal entry or its record; only refused and held changes keep
/// a digest, and only within the journal's retention.
@Suite struct SequenceReuseJournalTests {
    let now: Int64 = 1_800_000_000_000
    static let day: Int64 = 86_400_000

    func version(_ seq: UInt64, key: String, value: String = #"{"name":"Li"}"#, dataset: String = "population",
        hlcMs: Int64, extra: [String: UInt64] = [:]) -> Version
    {
        Fixtures.version(
            node: Fixtures.city, counter: seq, dataset: dataset, key: key, value: value, hlcMs: hlcMs, extra: extra)
    }

    func send(_ hub: ProvinceHub, firstSeq: UInt64, _ versions: [Version], clockMs: Int64) async throws -> SyncAck {
        let batch = Fixtures.batch(node: Fixtures.city, firstSeq: firstSeq, versions, clockMs: clockMs)
        return try await hub.sync(body: BatchCodec.encode(batch), claimedNode: Fixtures.city)
    }

    func digestRows(_ store: HubStore) async throws -> Int {
        try await store.pool.read { db in try SequenceDigestTable.count(db) }
    }

    @Test(.timeLimit(.minutes(1))) func honestResendsAreDuplicatesFoundByEntryOrRecordWithoutADigestRow()
        async throws
    {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let hub = try Fixtures.hub(in: dir, clock: ManualClock(now))
        // Seq 1's version of "a" is no longer visible after seq 3: only its journal entry holds it.
        let sent = [
            version(1, key: "a", value: #"{"n":1}"#, hlcMs: now), version(2, key: "b", hlcMs: now),
            version(3, key: "a", value: #"{"n":3}"#, hlcMs: now + 1),
        ]
        #expect(try await send(hub, firstSeq: 1, sent, clockMs: now).rejected.isEmpty)
        #expect(try await digestRows(hub.store) == 0)  // merged changes keep no digest
        let resend = try await send(hub, firstSeq: 1, sent, clockMs: now)
        #expect(resend.rejected.isEmpty && resend.highWater == 3)
        #expect(try await hub.status(of: Fixtures.city).rejectedChanges == 0)
        #expect(try await hub.store.record(dataset: "population", key: "a")?.winner.value == #"{"n":3}"#)
    }

    @Test(.timeLimit(.minutes(1))) func aRestoredNodeReusingSequencesIsRefusedForTheSameRecordAndAnother()
        async throws
    {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock(now)
        let hub = try Fixtures.hub(in: dir, clock: clock)
        _ = try await send(
            hub, firstSeq: 1,
            [version(1, key: "a", value: #"{"n":1}"#, hlcMs: now), version(2, key: "a", value: #"{"n":2}"#,
                hlcMs: now + 1)],
            clockMs: now)
        // Restored from a copy taken after seq 0: new writes at 1 (the same record) and 2 (another record).
        clock.advance(ms: 60_000)
        let later = now + 60_000
        let ack = try await send(
            hub, firstSeq: 1,
            [version(1, key: "a", value: #"{"n":9}"#, hlcMs: later), version(2, key: "c", hlcMs: later)],
            clockMs: later)
        #expect(ack.rejected.map(\.seq) == [1, 2])
        #expect(Set(ack.rejected.map(\.error)) == ["sequence_reused"])
        #expect(try await hub.store.record(dataset: "population", key: "a")?.winner.value == #"{"n":2}"#)
        #expect(try await hub.store.record(dataset: "population", key: "c") == nil)
        // The node re-issues them above the hub's high water: applied, nothing lost, no conflict.
        let reissued = try await send(
            hub, firstSeq: 3,
            [version(3, key: "a", value: #"{"n":9}"#, hlcMs: later + 1), version(4, key: "c", hlcMs: later + 1)],
            clockMs: later)
        #expect(reissued.rejected.isEmpty && reissued.highWater == 4)
        #expect(try await hub.store.record(dataset: "population", key: "a")?.winner.value == #"{"n":9}"#)
        #expect(try await hub.status(of: Fixtures.city).conflicts == 0)
        #expect(try await hub.store.verifyAudit(expecting: nil).isIntact)
    }

    @Test(.timeLimit(.minutes(1))) func heldAndRefusedChangesKeepADigestWhileTheJournalHoldsOlderEntries() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock(now)
        let hub = try Fixtures.hub(in: dir, clock: clock)
        // Seq 1 counts the county beyond what the hub holds (held back); seq 2 names no granted dataset.
        let held = version(1, key: "h", hlcMs: now, extra: [Fixtures.county: 1])
        let refused = version(2, key: "r", dataset: "finance", hlcMs: now)
        let first = try await send(hub, firstSeq: 1, [held, refused], clockMs: now)
        #expect(first.rejected.map(\.seq) == [2] && first.highWater == 2)
        #expect(try await digestRows(hub.store) == 2)
        let resend = try await send(hub, firstSeq: 1, [held, refused], clockMs: now)
        #expect(resend.rejected.isEmpty)
        var otherHeld = held
        otherHeld.value = #"{"n":7}"#
        var otherRefused = refused
        otherRefused.key = "r2"
        let reused = try await send(hub, firstSeq: 1, [otherHeld, otherRefused], clockMs: now)
        #expect(reused.rejected.map(\.error) == ["sequence_reused", "sequence_reused"])

        // Past the retention, with nothing pruned: both digests stay (the journal still holds entries from
        // before them), so a late resend is still a duplicate, never re-issued as a new write.
        clock.advance(ms: 8 * Self.day)
        let result = try await hub.store.compact(nowMs: now + 8 * Self.day, retentionMs: 7 * Self.day)
        #expect(result.sequenceDigestsDeleted == 0)
        #expect(try await digestRows(hub.store) == 2)
        let late = try await send(hub, firstSeq: 1, [held, refused], clockMs: now + 8 * Self.day)
        #expect(late.rejected.isEmpty)
        let lateReuse = try await send(hub, firstSeq: 1, [otherHeld, otherRefused], clockMs: now + 8 * Self.day)
        #expect(lateReuse.rejected.map(\.error) == ["sequence_reused", "sequence_reused"])
    }

    @Test(.timeLimit(.minutes(2))) func aResendWhoseEntryWasArchivedAndPrunedIsADuplicateAndAReuseIsNot()
        async throws
    {
        let hub = try ArchivedHubFixture.make(perPhase: 50)
        defer { hub.dir.remove() }
        let policies: [String: MergePolicy] = ["population": .lww]
        func apply(_ versions: [Version], firstSeq: UInt64) throws -> BatchOutcome {
            let batch = Fixtures.batch(node: Fixtures.city, firstSeq: firstSeq, versions, clockMs: hub.nowMs)
            return try hub.store.applySync(batch: batch, policies: policies, grants: ["population"], nowMs: hub.nowMs)
        }
        try await hub.markCompacted(through: hub.through40d)
        try await hub.archive(olderThanDays: 30)
        while try await hub.store.pruneArchived(maxRows: 1_000) > 0 {}
        let before = try await hub.store.record(dataset: "population", key: "person-1")
        let highWater = try await hub.store.pool.read { db in try HubNodeRecord.bookkeeping(db, id: Fixtures.city) }
            .highWater

        // Seq 1 (person-1, 50 days ago) resent as it was: written before every entry the hub keeps.
        let original = Fixtures.version(
            node: Fixtures.city, counter: 1, key: "person-1", value: ArchivedHubFixture.value,
            hlcMs: hub.nowMs - 50 * ArchivedHubFixture.day)
        let resend = try apply([original], firstSeq: 1)
        #expect(resend.ack.rejected.isEmpty && resend.duplicates == 1 && resend.conflicts == 0)
        #expect(try await hub.store.record(dataset: "population", key: "person-1") == before)

        // A write made now under that sequence is a reuse; re-issued above the high water it is applied.
        let fresh = Fixtures.version(node: Fixtures.city, counter: 1, key: "new", hlcMs: hub.nowMs)
        #expect(try apply([fresh], firstSeq: 1).ack.rejected.map(\.error) == ["sequence_reused"])
        let reissued = Fixtures.version(node: Fixtures.city, counter: highWater + 1, key: "new", hlcMs: hub.nowMs)
        let outcome = try apply([reissued], firstSeq: highWater + 1)
        #expect(outcome.applied == 1 && outcome.conflicts == 0)
        #expect(try await hub.store.record(dataset: "population", key: "person-1") == before)
    }

    /// A v7 hub kept a digest per change; upgraded, only a refused or held change's stays (with its time).
    @Test(.timeLimit(.minutes(1))) func theUpgradeKeepsOnlyTheDigestsOfRefusedAndHeldChanges() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/hub.sqlite"
        do {
            let pool = try DatabasePool(path: path)
            try HubSchema.migrator.migrate(pool, upTo: "v7-conflict-retention")
            try await pool.write { db in
                for seq in 1...3 {
                    try db.execute(
                        sql: "INSERT INTO sequence_digests(node, seq, digest) VALUES (?, ?, ?)",
                        arguments: [Fixtures.city, seq, Data(repeating: UInt8(seq), count: 16)])
                }
                try db.execute(
                    sql: "INSERT INTO rejected_changes(node, seq, code, message, at_ms) VALUES (?, 2, 'x', 'y', ?)",
                    arguments: [Fixtures.city, now])
                try db.execute(
                    sql: """
                        INSERT INTO held_changes(node, seq, wait_node, wait_counter, version, data_ms, held_at_ms)
                        VALUES (?, 3, ?, 1, x'00', ?, ?)
                        """,
                    arguments: [Fixtures.city, Fixtures.county, now, now + 1])
            }
        }
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        let rows = try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, digest, at_ms FROM sequence_digests ORDER BY seq").map {
                (seq: $0["seq"] as Int64, digest: $0["digest"] as Data, atMs: $0["at_ms"] as Int64)
            }
        }
        #expect(rows.map(\.seq) == [2, 3] && rows.map(\.atMs) == [now, now + 1])
        #expect(rows.map(\.digest) == [Data(repeating: 2, count: 16), Data(repeating: 3, count: 16)])
    }
}
