import Foundation
import Testing
import YiwangAPI
import YiwangCore
import YiwangHub
import YiwangStore
import YiwangTesting

/// The hub's report shows a node paging a snapshot: its position and the pages served (`yiwangctl status`
/// FEED LAG `snapshot Np@P`), and the feed lag again once the node pulls the feed.
@Suite struct HubSnapshotStatusTests {
    @Test(.timeLimit(.minutes(1))) func aNodePagingASnapshotShowsItsProgressInTheReport() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        let versions = Fixtures.versions(node: Fixtures.city, count: 5, hlcMs: clock.nowMs())
        _ = try hub.store.applySync(
            batch: Fixtures.batch(node: Fixtures.city, firstSeq: 1, versions, clockMs: clock.nowMs()),
            policies: ["population": .lww], grants: ["population"], nowMs: clock.nowMs())
        let county = Fixtures.county
        let first = try await hub.snapshot(node: county, position: nil, after: nil, limit: 2)
        var page = first
        for _ in 0..<2 {
            page = try await hub.snapshot(node: county, position: first.position, after: page.next, limit: 2)
        }
        let paging = try await hub.status(of: county)
        #expect(paging.snapshotPosition == first.position && paging.snapshotPages == 3)
        let report = try await hub.report()
        #expect(report.renderTable(colour: false).contains("snapshot 3p@\(first.position)"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try JSONCoding.encoder.encode(paging))) as? [String: Any])
        #expect(json["snapshotPages"] as? Int == 3)

        // A new snapshot counts from 1 again; the feed pull after it clears the progress.
        _ = try await hub.snapshot(node: county, position: nil, after: nil, limit: 2)
        #expect(try await hub.status(of: county).snapshotPages == 1)
        _ = try await hub.changes(node: county, since: first.position, limit: 10, waitMs: 0)
        let pulling = try await hub.status(of: county)
        #expect(pulling.snapshotPages == nil && pulling.snapshotPosition == nil && pulling.downlinkCursor == first.position)
    }
}
