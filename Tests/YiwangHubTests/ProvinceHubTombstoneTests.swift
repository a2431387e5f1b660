import Foundation
import Testing
import YiwangCore
import YiwangHub
import YiwangTesting

@testable import YiwangStore

/// The purge as the hub runs it: batches through `ProvinceHub.sync`, pulls through `ProvinceHub.changes` (which
/// record each node's cursor), grants from the topology.
@Suite struct ProvinceHubTombstoneTests {
    @Test(.timeLimit(.minutes(1))) func theTombstoneGoesOnceTheCountyHasPulledItAndReportedSince() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock(1_790_000_000_000)
        let hub = try Fixtures.hub(in: dir, clock: clock)
        let (city, county) = (Fixtures.city, Fixtures.county)
        func send(_ node: String, _ firstSeq: UInt64, _ versions: [Version] = []) async throws {
            let batch = Fixtures.batch(node: node, firstSeq: firstSeq, versions, clockMs: clock.nowMs())
            _ = try await hub.sync(body: BatchCodec.encode(batch), claimedNode: node)
        }
        var delete = Fixtures.version(node: city, counter: 2, key: "p", hlcMs: clock.nowMs())
        delete.operation = .delete
        delete.value = nil
        try await send(county, 1)
        try await send(city, 1, [Fixtures.version(node: city, counter: 1, key: "p", hlcMs: clock.nowMs())])
        try await send(city, 2, [delete])
        try await hub.store.pool.write { db in
            try JournalMarks.advance(db, .compactedSeq, to: try AuditTable.head(db).seq)
        }

        clock.advance(ms: 5_000)
        let page = try await hub.changes(node: county, since: 0, limit: 100, waitMs: 0)
        #expect(page.versions.last?.operation == .delete)
        #expect(try await hub.purgeTombstones().purged == 0, "purged before the county pulled past it")
        clock.advance(ms: 5_000)
        _ = try await hub.changes(node: county, since: page.cursor, limit: 100, waitMs: 0)
        _ = try await hub.changes(node: city, since: page.cursor, limit: 100, waitMs: 0)
        #expect(try await hub.purgeTombstones().purged == 0, "purged before the county reported after its pull")
        clock.advance(ms: 5_000)
        try await send(county, 1)
        try await send(city, 3)
        #expect(try await hub.purgeTombstones().purged == 1)
        #expect(try await hub.store.record(dataset: "population", key: "p") == nil)
    }
}
