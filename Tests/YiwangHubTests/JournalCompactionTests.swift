import Foundation
import GRDB
import Testing
import YiwangCore
import YiwangTesting

@testable import YiwangStore

/// Compaction of the hub's journal (`HubStore.compact`): values beyond the retention go, while the chain, blame,
/// the records and the feed within the retention stay exactly as they were.
@Suite struct JournalCompactionTests {
    static let t0: Int64 = 1_790_000_000_000
    static let policies: [String: MergePolicy] = ["population": .lww]

    static func send(_ store: HubStore, _ firstSeq: UInt64, _ versions: [Version], atMs: Int64) throws {
        let batch = Fixtures.batch(node: Fixtures.city, firstSeq: firstSeq, versions, clockMs: atMs)
        let outcome = try store.applySync(batch: batch, policies: policies, grants: ["population"], nowMs: atMs)
        #expect(outcome.ack.rejected.isEmpty)
    }

    static func v(_ counter: UInt64, _ key: String, _ ms: Int64, value: String = #"{"n":1}"#) -> Version {
        Fixtures.version(node: Fixtures.city, counter: counter, key: key, value: value, hlcMs: ms)
    }

    /// Every feed version after `since` for the other city, paged to the end.
    static func feed(_ store: HubStore, since: Int64, limit: Int = 1_000) async throws -> ([Version], Int64) {
        var versions: [Version] = []
        var cursor = since
        while true {
            let page = try await store.feedPage(
                node: Fixtures.otherCity, since: cursor, datasets: ["population"], limit: limit)
            versions += page.versions
            cursor = page.cursor
            if !page.more { return (versions, cursor) }
        }
    }

    static func values(_ store: HubStore) throws -> [Int64: String?] {
        try store.pool.read { db in
            Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT seq, value FROM audit WHERE kind = 'apply'")
                    .map { ($0["seq"] as Int64, $0["value"] as String?) })
        }
    }

    @Test func valuesBeyondTheRetentionGoWhileChainBlameAndRecentFeedStay() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        let t0 = Self.t0
        try Self.send(store, 1, [Self.v(1, "a", t0), Self.v(2, "b", t0), Self.v(3, "c", t0)], atMs: t0)
        try Self.send(store, 4, [Self.v(4, "a", t0 + 1_000, value: #"{"n":2}"#)], atMs: t0 + 1_000)
        let recent = Self.v(5, "d", t0 + 10_000, value: #"{"n":"recent"}"#)
        try Self.send(store, 5, [recent], atMs: t0 + 10_000)
        let (before, _) = try await Self.feed(store, since: 4)
        #expect(before == [recent])

        // Retention 5 s at t0 + 10.1 s: the first four entries are older than the boundary.
        let result = try await store.compact(nowMs: t0 + 10_100, retentionMs: 5_000)
        #expect(result.rowsCompacted == 4 && result.compactedSeq == 4 && result.compactedPosition == 4)
        #expect(result.valueBytesRemoved == Int64(3 * 7 + 7))
        #expect(try await store.feedHorizon() == 4)
        let values = try Self.values(store)
        #expect((1...4).allSatisfy { values[$0] == .some(nil) })
        #expect(values[5] == .some(recent.value))

        // The chain and every record still verify; blame still lists both versions of "a" with their hashes.
        #expect(try await store.verifyAudit(expecting: nil).isIntact)
        let history = try await store.history(dataset: "population", key: "a")
        #expect(history.map(\.status) == [.superseded, .visible])
        #expect(history.map(\.valueSHA256) == [#"{"n":1}"#, #"{"n":2}"#].map { AuditHash.of($0).hex })
        // The records keep what a node bootstrapping from a snapshot needs; the feed from the horizon is unchanged.
        #expect(try await store.record(dataset: "population", key: "a")?.winner.value == #"{"n":2}"#)
        let (after, cursor) = try await Self.feed(store, since: 4)
        #expect(after == [recent] && cursor == 5)

        // Idempotent: a second pass at the same time does nothing, the marks stay.
        let again = try await store.compact(nowMs: t0 + 10_100, retentionMs: 5_000)
        #expect(again.rowsCompacted == 0 && again.compactedSeq == 4 && again.compactedPosition == 4)
        let stats = try await store.journalStats(nowMs: t0 + 10_100, retentionMs: 5_000)
        #expect(stats.rows == 5 && stats.valueBytes == Int64(recent.value!.utf8.count))
        #expect(stats.compactedPosition == 4 && stats.compactionLagMs == 0)
        // Ten seconds later, with no pass yet, the last entry is 4.9 s past the retention.
        let late = try await store.journalStats(nowMs: t0 + 19_900, retentionMs: 5_000)
        #expect(late.compactionLagMs == 4_900)
    }

    @Test(.timeLimit(.minutes(1))) func chunkedPassesInterleaveWithBatchesThatKeepApplying() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        let t0 = Self.t0
        for b in 0..<20 {
            let first = UInt64(b * 50 + 1)
            try Self.send(
                store, first, (0..<50).map { Self.v(first + UInt64($0), "old-\(first + UInt64($0))", t0) }, atMs: t0)
        }
        let later = t0 + 60_000
        async let compacted = store.compact(nowMs: later, retentionMs: 30_000, maxRows: 37)
        var fresh: [Version] = []
        for b in 0..<10 {
            let first = UInt64(1_001 + b * 20)
            let versions = (0..<20).map { Self.v(first + UInt64($0), "new-\(first + UInt64($0))", later) }
            let batch = Fixtures.batch(node: Fixtures.city, firstSeq: first, versions, clockMs: later)
            _ = try await store.apply(batch: batch, policies: Self.policies, grants: ["population"], nowMs: later)
            fresh += versions
        }
        let result = try await compacted
        #expect(result.rowsCompacted == 1_000 && result.compactedSeq == 1_000 && result.chunks >= 28)
        #expect(result.compactedPosition == 1_000)
        let values = try Self.values(store)
        #expect((1...1_000).allSatisfy { values[Int64($0)] == .some(nil) })
        #expect((1_001...1_200).allSatisfy { values[Int64($0)] != .some(nil) })
        let (feed, cursor) = try await Self.feed(store, since: result.compactedPosition, limit: 64)
        #expect(feed == fresh && cursor == 1_200)
        #expect(try await store.verifyAudit(expecting: nil).isIntact)
        let stats = try await store.journalStats(nowMs: later, retentionMs: 30_000)
        #expect(stats.valueBytes == Int64(fresh.reduce(0) { $0 + $1.value!.utf8.count }))
    }

    @Test func aReopenedHubResumesWhereThePassStopped() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let t0 = Self.t0
        do {
            let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
            for step in 0..<4 {
                let ms = t0 + Int64(step) * 1_000
                try Self.send(store, UInt64(step + 1), [Self.v(UInt64(step + 1), "k\(step)", ms)], atMs: ms)
            }
            let first = try await store.compact(nowMs: t0 + 1_500, retentionMs: 0)
            #expect(first.compactedSeq == 2)
            try store.close()
        }
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        let second = try await store.compact(nowMs: t0 + 10_000, retentionMs: 0)
        #expect(second.rowsCompacted == 2 && second.compactedSeq == 4 && second.compactedPosition == 4)
        #expect(try Self.values(store).values.allSatisfy { $0 == nil })
        #expect(try await store.journalStats(nowMs: t0 + 10_000, retentionMs: 0).valueBytes == 0)
    }

    @Test(arguments: [
        (Int64.min, Int64.max), (Int64.max, 0), (Int64.max, Int64.max), (0, Int64.min), (Int64.min, Int64.min),
    ] as [(Int64, Int64)])
    func extremeClocksAndRetentionsNeverTrap(nowMs: Int64, retentionMs: Int64) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        try Self.send(store, 1, [Self.v(1, "a", Self.t0)], atMs: Self.t0)
        // A stored time edited to an extreme stops the pass there (an unreadable one too), without a trap.
        try await store.pool.write { db in
            try db.execute(sql: "UPDATE audit SET at_ms = ? WHERE seq = 1", arguments: [retentionMs])
        }
        let result = try await store.compact(nowMs: nowMs, retentionMs: retentionMs)
        #expect(result.compactedSeq <= 1)
        _ = try await store.journalStats(nowMs: nowMs, retentionMs: retentionMs)
    }
}
