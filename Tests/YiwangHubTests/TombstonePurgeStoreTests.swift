import Foundation
import GRDB
import Testing
import YiwangCore
import YiwangTesting

@testable import YiwangStore

/// `HubStore.purgeTombstones` on a real `hub.sqlite`: a tombstone goes only when every node that may hold the
/// record has pulled past it and the hub holds what that node wrote before; blame and `audit verify` keep working.
@Suite struct TombstonePurgeStoreTests {
    static let t0: Int64 = 1_790_000_000_000
    static let policies: [String: MergePolicy] = ["population": .lww, "social_security": .siblings]

    /// A hub store with the test topology's grants, and the steps a test plays.
    struct Hub {
        let store: HubStore
        var grants: [String: Set<String>]
        var highWaters: [String: UInt64] = [:]

        init(_ dir: TemporaryDirectory) throws {
            store = try HubStore(directory: dir.path, logger: Fixtures.logger)
            grants = Dictionary(uniqueKeysWithValues: try Fixtures.topology().nodes.map { ($0.id, Set($0.datasets)) })
        }

        /// `node` sends `versions` (or a heartbeat) at `ms`, with nothing pending after.
        mutating func send(_ node: String, _ versions: [Version] = [], at ms: Int64) throws {
            let first = (highWaters[node] ?? 0) + 1
            let batch = Fixtures.batch(node: node, firstSeq: first, versions, clockMs: ms)
            let outcome = try store.applySync(
                batch: batch, policies: TombstonePurgeStoreTests.policies, grants: grants[node] ?? [], nowMs: ms)
            #expect(outcome.ack.rejected.isEmpty)
            highWaters[node] = outcome.ack.highWater
        }

        /// `node` pulls the feed from `cursor` (default: the head) at `ms`, served its grants; `continues`: from
        /// a cursor it was served before (a pull granted a dataset its last one was not served is refused).
        func pull(_ node: String, cursor: Int64? = nil, at ms: Int64, continues: Bool = false) async throws {
            let head = try await store.feedHead()
            try await store.recordPull(
                node: node, cursor: cursor ?? head, datasets: grants[node] ?? [], continues: continues, nowMs: ms)
        }

        /// The compaction service's part: the journal is compacted through its newest entry.
        func compactEverything() async throws {
            try await store.pool.write { db in
                try JournalMarks.advance(db, .compactedSeq, to: try AuditTable.head(db).seq)
            }
        }

        func purge(at ms: Int64) async throws -> TombstonePurgeResult {
            try await store.purgeTombstones(grants: grants, nowMs: ms)
        }
    }

    static func version(
        _ node: String, _ counter: UInt64, key: String = "p", dataset: String = "population", at ms: Int64,
        delete: Bool = false, extra: [String: UInt64] = [:]
    ) -> Version {
        var v = Fixtures.version(node: node, counter: counter, dataset: dataset, key: key, hlcMs: ms, extra: extra)
        if delete {
            v.operation = .delete
            v.value = nil
        }
        return v
    }

    @Test func aTombstoneIsPurgedOnlyOnceEveryConditionHolds() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var hub = try Hub(dir)
        let (city, county) = (Fixtures.city, Fixtures.county)
        let t0 = Self.t0
        try hub.send(county, at: t0)  // the county is seen (uploaded), so it may hold the record
        try hub.send(city, [Self.version(city, 1, at: t0)], at: t0)
        try hub.send(city, [Self.version(city, 2, at: t0 + 1_000, delete: true)], at: t0 + 1_000)
        let position = try await hub.store.feedHead()

        #expect(try await hub.purge(at: t0 + 2_000).purged == 0, "purged before the journal was compacted")
        try await hub.compactEverything()
        #expect(try await hub.purge(at: t0 + 2_000) == TombstonePurgeResult(purged: 0, kept: 1))

        // The city pulls past it and then reports: its part is done. The county pulls from before the tombstone.
        try await hub.pull(city, at: t0 + 10_000)
        try hub.send(city, at: t0 + 11_000)
        try await hub.pull(county, cursor: position - 1, at: t0 + 10_000)
        #expect(try await hub.purge(at: t0 + 12_000).purged == 0, "purged while the county's cursor is behind it")
        // Now past it, but the hub holds the county's changes only up to before that pull.
        try await hub.pull(county, at: t0 + 20_000)
        #expect(try await hub.purge(at: t0 + 21_000).purged == 0, "purged before the hub held the county's changes")
        try hub.send(county, at: t0 + 30_000)
        #expect(try await hub.purge(at: t0 + 31_000).purged == 1)

        #expect(try await hub.store.record(dataset: "population", key: "p") == nil)
        #expect(try await hub.store.verifyAudit(expecting: nil).isIntact)
        let history = try await hub.store.history(dataset: "population", key: "p")
        #expect(history.map(\.status) == [.superseded, .purged])
        #expect(try await hub.purge(at: t0 + 32_000).purged == 0)

        // Written again (by a node that had the delete: its vector dominates the tombstone's), deleted, purged
        // again: blame shows both lives, and the audit still verifies at every step.
        try hub.send(city, [Self.version(city, 3, at: t0 + 40_000)], at: t0 + 40_000)
        #expect(try await hub.store.verifyAudit(expecting: nil).isIntact)
        let again = try await hub.store.history(dataset: "population", key: "p")
        #expect(again.map(\.status) == [.superseded, .purged, .visible])
        try hub.send(city, [Self.version(city, 4, at: t0 + 41_000, delete: true)], at: t0 + 41_000)
        try await hub.compactEverything()
        try await hub.pull(city, at: t0 + 50_000)
        try await hub.pull(county, at: t0 + 50_000)
        try hub.send(city, at: t0 + 60_000)
        try hub.send(county, at: t0 + 60_000)
        #expect(try await hub.purge(at: t0 + 61_000).purged == 1)
        let both = try await hub.store.history(dataset: "population", key: "p")
        #expect(both.map(\.status) == [.superseded, .purged, .superseded, .purged])
        #expect(both.map(\.vector) == ["430100:1", "430100:2", "430100:3", "430100:4"])
        #expect(try await hub.store.verifyAudit(expecting: nil).isIntact)
    }

    /// A node restored from before it saw its own delete resends the put: the purged record's history still
    /// holds that sequence (through its `purge` entry), so it is a duplicate, not a reuse re-issued as a new
    /// write that would bring the record back.
    @Test func aResendOfAPurgedRecordsPutIsADuplicateNotAResurrection() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var hub = try Hub(dir)
        let (city, county) = (Fixtures.city, Fixtures.county)
        let t0 = Self.t0
        let put = Self.version(city, 1, at: t0)
        try hub.send(county, at: t0)
        try hub.send(city, [put], at: t0)
        try hub.send(city, [Self.version(city, 2, at: t0 + 1_000, delete: true)], at: t0 + 1_000)
        try await hub.compactEverything()
        try await hub.pull(city, at: t0 + 10_000)
        try await hub.pull(county, at: t0 + 10_000)
        try hub.send(city, at: t0 + 11_000)
        try hub.send(county, at: t0 + 11_000)
        #expect(try await hub.purge(at: t0 + 12_000).purged == 1)

        let batch = Fixtures.batch(node: city, firstSeq: 1, [put], clockMs: t0 + 13_000)
        let outcome = try hub.store.applySync(
            batch: batch, policies: Self.policies, grants: hub.grants[city] ?? [], nowMs: t0 + 13_000)
        #expect(outcome.ack.rejected.isEmpty && outcome.duplicates == 1)
        #expect(try await hub.store.record(dataset: "population", key: "p") == nil)
        var reused = put
        reused.value = #"{"other":1}"#
        let reuse = try hub.store.applySync(
            batch: Fixtures.batch(node: city, firstSeq: 1, [reused], clockMs: t0 + 14_000), policies: Self.policies,
            grants: hub.grants[city] ?? [], nowMs: t0 + 14_000)
        #expect(reuse.ack.rejected.map(\.error) == ["sequence_reused"])
    }

    @Test func anEditTheCountyMadeBeforeItSawTheDeleteIsAConflictNotAResurrection() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var hub = try Hub(dir)
        let (city, county) = (Fixtures.city, Fixtures.county)
        let t0 = Self.t0
        try hub.send(city, [Self.version(city, 1, at: t0)], at: t0)
        try hub.send(county, at: t0)
        try await hub.pull(county, at: t0 + 1_000)  // the county has the put
        // The county edits it offline (not yet uploaded) while the city deletes it.
        let edit = Self.version(county, 1, at: t0 + 2_000, extra: [city: 1])
        try hub.send(city, [Self.version(city, 2, at: t0 + 5_000, delete: true)], at: t0 + 5_000)
        try await hub.pull(county, at: t0 + 10_000)  // it pulls the delete, its edit still in its outbox
        try await hub.pull(city, at: t0 + 10_000)
        try hub.send(city, at: t0 + 11_000)
        try await hub.compactEverything()
        #expect(try await hub.purge(at: t0 + 12_000).purged == 0, "purged while the county's edit was on its way")

        // The edit arrives: concurrent with the delete, it is a conflict the delete wins (later clock).
        try hub.send(county, [edit], at: t0 + 20_000)
        let conflicts = try await hub.store.conflicts(dataset: "population", key: "p", limit: 10)
        #expect(conflicts.count == 1)
        #expect(conflicts.first?.conflict.loser.origin == county)
        #expect(try await hub.store.record(dataset: "population", key: "p")?.winner.operation == .delete)

        // Once everyone has that too, the tombstone goes; the conflict stays in the log and in blame.
        try await hub.compactEverything()
        try await hub.pull(county, at: t0 + 30_000)
        try await hub.pull(city, at: t0 + 30_000)
        try hub.send(county, at: t0 + 31_000)
        try hub.send(city, at: t0 + 31_000)
        #expect(try await hub.purge(at: t0 + 32_000).purged == 1)
        #expect(try await hub.store.conflicts(dataset: "population", key: "p", limit: 10).count == 1)
        let history = try await hub.store.history(dataset: "population", key: "p")
        #expect(history.map(\.origin) == [city, city, county])
        #expect(history.map(\.status) == [.superseded, .purged, .lost])
        #expect(try await hub.store.verifyAudit(expecting: nil).isIntact)
    }

    @Test func aCountyOfflineFarBeyondTheHorizonKeepsItsDatasetsTombstonesOnly() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var hub = try Hub(dir)
        let (city, county, other) = (Fixtures.city, Fixtures.county, Fixtures.otherCity)
        let t0 = Self.t0
        try hub.send(county, at: t0)
        try await hub.pull(county, at: t0)  // then it goes away for a year
        for (counter, dataset) in [(UInt64(1), "population"), (3, "social_security")] {
            let put = Self.version(city, counter, key: "p", dataset: dataset, at: t0 + 1_000)
            try hub.send(city, [put], at: t0 + 1_000)
            try hub.send(
                city, [Self.version(city, counter + 1, key: "p", dataset: dataset, at: t0 + 2_000, delete: true)],
                at: t0 + 2_000)
        }
        let year: Int64 = 365 * 24 * 3_600_000
        for node in [city, other] {
            try await hub.pull(node, at: t0 + year)
            try hub.send(node, at: t0 + year + 1_000)
        }
        try await hub.compactEverything()
        let result = try await hub.purge(at: t0 + year + 2_000)
        // social_security is not the county's: its tombstone goes. population's waits for the county.
        #expect(result == TombstonePurgeResult(purged: 1, kept: 1))
        #expect(try await hub.store.record(dataset: "social_security", key: "p") == nil)
        #expect(try await hub.store.record(dataset: "population", key: "p")?.winner.operation == .delete)
    }

    @Test func aPutSiblingKeepsTheRecordAndAFarBehindTailPurgesNothing() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var hub = try Hub(dir)
        let (city, other) = (Fixtures.city, Fixtures.otherCity)
        let t0 = Self.t0
        // Concurrent delete and put under `siblings`: both visible, so the record is not a tombstone.
        let delete = Self.version(city, 1, dataset: "social_security", at: t0 + 1_000, delete: true)
        try hub.send(city, [delete], at: t0 + 1_000)
        try hub.send(other, [Self.version(other, 1, dataset: "social_security", at: t0)], at: t0 + 1_000)
        #expect(try await hub.store.record(dataset: "social_security", key: "p")?.visible.count == 2)
        for node in [city, other] {
            try await hub.pull(node, at: t0 + 2_000)
            try hub.send(node, at: t0 + 3_000)
        }
        try await hub.compactEverything()
        #expect(try await hub.purge(at: t0 + 4_000) == TombstonePurgeResult(purged: 0, kept: 0))
    }

    @Test func extremeStoredNumbersDoNotTrapAndDoNotPurge() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var hub = try Hub(dir)
        let (city, county) = (Fixtures.city, Fixtures.county)
        let t0 = Self.t0
        try hub.send(city, [Self.version(city, 1, at: t0)], at: t0)
        try hub.send(city, [Self.version(city, 2, at: t0, delete: true)], at: t0)
        try await hub.pull(city, at: t0 + 1_000)
        try await hub.pull(county, at: t0 + 1_000)
        try hub.send(city, at: t0 + 2_000)
        try hub.send(county, at: t0 + 2_000)
        try await hub.compactEverything()
        let edits: [String] = [
            "UPDATE downlinks SET cursor = 9223372036854775807 WHERE node = '\(county)'",  // beyond the head
            "UPDATE downlinks SET cursor = 'far', last_pull_ms = -9223372036854775808 WHERE node = '\(county)'",
            "UPDATE nodes SET data_as_of_ms = -9223372036854775808 WHERE id = '\(county)'",
            "UPDATE downlinks SET last_pull_ms = 9223372036854775807 WHERE node = '\(county)'",
        ]
        for edit in edits {
            try await hub.store.pool.write { db in try db.execute(sql: edit) }
            #expect(try await hub.purge(at: t0 + 3_000).purged == 0, "purged after: \(edit)")
        }
        // A journal link that is not a number is not a candidate at all.
        try await hub.store.pool.write { db in try db.execute(sql: "UPDATE records SET last_audit = 'x'") }
        #expect(try await hub.purge(at: t0 + 3_000) == TombstonePurgeResult(purged: 0, kept: 0))
        #expect(try await hub.store.record(dataset: "population", key: "p") != nil)
    }
}
