import Foundation
import Testing
import YiwangCore
import YiwangTesting

@testable import YiwangStore

/// Grants that change: a node the hub has seen but that was not granted a dataset when a tombstone of it went
/// never pulls that dataset from its cursor; it goes through a snapshot first (whose pages also delete at the
/// node what the hub purged). A node granted it but whose last pull was not served it blocks the purge.
@Suite struct TombstonePurgeGrantTests {
    typealias Store = TombstonePurgeStoreTests
    static let t0 = Store.t0

    /// The city writes `p` and deletes it; everything compacted; returns the feed position after the delete.
    static func putThenDelete(_ hub: inout Store.Hub, at t0: Int64) async throws -> Int64 {
        let city = Fixtures.city
        try hub.send(city, [Store.version(city, 1, at: t0)], at: t0)
        try hub.send(city, [Store.version(city, 2, at: t0 + 1_000, delete: true)], at: t0 + 1_000)
        try await hub.compactEverything()
        try await hub.pull(city, at: t0 + 2_000)
        try hub.send(city, at: t0 + 3_000)
        return try await hub.store.feedHead()
    }

    @Test func aNodeGrantedADatasetAfterItsCursorGoesThroughASnapshot() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var hub = try Store.Hub(dir)
        let county = Fixtures.county
        hub.grants[county] = []  // seen, pulling, granted nothing yet
        try hub.send(county, at: Self.t0)
        try await hub.pull(county, at: Self.t0)
        _ = try await Self.putThenDelete(&hub, at: Self.t0)
        try await hub.pull(county, at: Self.t0 + 4_000, continues: true)
        try hub.send(county, at: Self.t0 + 5_000)
        // It never held the record: the tombstone may go.
        #expect(try await hub.purge(at: Self.t0 + 6_000).purged == 1)

        // Granted now: its cursor was never served population, so the feed refuses it; a snapshot brings it.
        hub.grants[county] = ["population"]
        do {
            try await hub.pull(county, at: Self.t0 + 7_000, continues: true)
            Issue.record("a cursor never served population was taken for it")
        } catch let error as YiwangError {
            #expect(error.code == .snapshotRequired && error.field == "since")
            #expect(error.message.contains("[population]"), "\(error.message)")
        }
        try await hub.pull(county, cursor: 0, at: Self.t0 + 8_000)  // the snapshot's first page
        try await hub.pull(county, at: Self.t0 + 9_000, continues: true)  // and the feed from its position
    }

    @Test func aNodeGrantedButNotYetServedTheDatasetBlocksItsTombstones() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var hub = try Store.Hub(dir)
        let county = Fixtures.county
        hub.grants[county] = []
        try hub.send(county, at: Self.t0)
        _ = try await Self.putThenDelete(&hub, at: Self.t0)
        try await hub.pull(county, at: Self.t0 + 4_000, continues: true)  // past the delete, not served it
        try hub.send(county, at: Self.t0 + 5_000)
        hub.grants[county] = ["population"]  // granted before its next pull
        #expect(try await hub.purge(at: Self.t0 + 6_000) == TombstonePurgeResult(purged: 0, kept: 1))
        await #expect(throws: YiwangError.self) { try await hub.pull(county, at: Self.t0 + 7_000, continues: true) }
        // Its snapshot still carries the tombstone; once it pulled the feed from there, the tombstone goes.
        let page = try await hub.store.snapshotPage(datasets: ["population"], after: nil, limit: 10)
        #expect(page.entries.first { $0.key == "p" }?.state.visible.allSatisfy { $0.operation == .delete } == true)
        try await hub.pull(county, cursor: 0, at: Self.t0 + 8_000)
        try await hub.pull(county, at: Self.t0 + 9_000, continues: true)
        try hub.send(county, at: Self.t0 + 10_000)
        #expect(try await hub.purge(at: Self.t0 + 11_000).purged == 1)
    }
}
