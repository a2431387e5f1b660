import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import YiwangAPI
import YiwangCore
import YiwangHTTP
import YiwangHub
import YiwangStore
import YiwangTesting

/// `GET /v1/snapshot` and the feed's `410 snapshot_required`, through Hummingbird's in-process test client:
/// pages that resume by token, the position P fixed by the first page, and hostile queries refused by field.
@Suite struct HubSnapshotRouteTests {
    static func get(_ client: some TestClientProtocol, _ uri: String, node: String = Fixtures.county)
        async throws -> TestResponse
    {
        try await client.execute(uri: uri, method: .get, headers: [HubRoutes.nodeHeader: node])
    }

    static func page(_ client: some TestClientProtocol, _ uri: String, node: String = Fixtures.county)
        async throws -> SnapshotPage
    {
        let response = try await get(client, uri, node: node)
        try #require(response.status == .ok, "\(uri): \(String(buffer: response.body))")
        #expect(response.headers[.contentType] == HubRoutes.snapshotContentType)
        return try SnapshotCodec.decode(Array(response.body.readableBytesView))
    }

    static func error(_ response: TestResponse) throws -> ErrorBody {
        try JSONDecoder().decode(ErrorBody.self, from: Data(response.body.readableBytesView))
    }

    /// The city writes `count` population records and two social_security ones.
    static func seed(_ client: some TestClientProtocol, clock: ManualClock, count: Int, from first: UInt64 = 1)
        async throws
    {
        var versions = Fixtures.versions(node: Fixtures.city, count: count, from: first, hlcMs: clock.nowMs())
        for i in 0..<2 {
            versions.append(
                Fixtures.version(
                    node: Fixtures.city, counter: first + UInt64(count + i), dataset: "social_security",
                    key: "s-\(first + UInt64(i))", hlcMs: clock.nowMs()))
        }
        let batch = Fixtures.batch(node: Fixtures.city, firstSeq: first, versions, clockMs: clock.nowMs())
        let response = try await HubRoutesTests.post(client, BatchCodec.encode(batch), node: Fixtures.city)
        try #require(response.status == .ok)
    }

    @Test(.timeLimit(.minutes(1))) func pagesResumeByTokenAtTheFirstPagesPosition() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        try await HubServer.application(hub: hub).test(.router) { client in
            try await Self.seed(client, clock: clock, count: 5)
            let head = try await hub.store.feedHead()
            var page = try await Self.page(client, "/v1/snapshot?limit=2")
            #expect(page.position == head)
            var keys = page.entries.map(\.key)
            // The province keeps writing while the county pages: later pages are newer, P stays.
            try await Self.seed(client, clock: clock, count: 3, from: 8)
            while let next = page.next {
                page = try await Self.page(client, "/v1/snapshot?limit=2&position=\(head)&after=\(next.encoded)")
                #expect(page.position == head)
                #expect(page.readAt >= head)
                keys += page.entries.map(\.key)
            }
            // Only the granted dataset, every record once, in byte order. key-10 sorts before key-2, in the range
            // the first page had passed when it was written: it comes by the feed from P, as every later change.
            let expected = ["key-1", "key-2", "key-3", "key-4", "key-5", "key-8", "key-9"]
            #expect(keys == expected)
            #expect(page.entries.allSatisfy { $0.dataset == "population" })
            let feed = try await HubChangesRouteTests.page(client, node: Fixtures.county, query: "since=\(head)")
            #expect(feed.versions.map(\.key) == ["key-8", "key-9", "key-10"])

            // The city is granted both datasets; its own versions are in its snapshot (it may have been resynced).
            let city = try await Self.page(client, "/v1/snapshot?limit=10000", node: Fixtures.city)
            #expect(Set(city.entries.map(\.dataset)) == ["population", "social_security"])
            #expect(city.next == nil)

            let metrics = try await hub.metricsText()
            #expect(metrics.contains("yiwang_hub_snapshots_started_total 2"))
            #expect(metrics.contains("yiwang_hub_snapshot_pages_served_total"))
        }
    }

    @Test(.timeLimit(.minutes(1))) func hostileQueriesAreRefusedNamingTheField() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        try await HubServer.application(hub: hub).test(.router) { client in
            try await Self.seed(client, clock: clock, count: 3)
            let head = try await hub.store.feedHead()
            let invalidUTF8 = "01" + "61" + "ff"  // dataset "a", key 0xFF
            let cases: [(String, HTTPResponse.Status, String)] = [
                ("after=zz&position=\(head)", .badRequest, "after"),
                ("after=abc&position=\(head)", .badRequest, "after"),
                ("after=\(invalidUTF8)&position=\(head)", .badRequest, "after"),
                ("after=ff&position=\(head)", .badRequest, "after"),
                ("after=" + String(repeating: "61", count: 5_000) + "&position=\(head)", .badRequest, "after"),
                ("after=\(SnapshotToken(dataset: "population", key: "key-1").encoded)", .badRequest, "position"),
                ("position=\(head + 1)", .badRequest, "position"),
                ("position=\(Int64.max)", .badRequest, "position"),
                ("position=-1", .badRequest, "position"),
                ("position=99999999999999999999", .badRequest, "position"),
                ("limit=0", .badRequest, "limit"),
                ("limit=10001", .badRequest, "limit"),
                ("limit=-9223372036854775808", .badRequest, "limit"),
                ("limit=99999999999999999999", .badRequest, "limit"),
            ]
            for (query, status, field) in cases {
                let response = try await Self.get(client, "/v1/snapshot?\(query)")
                #expect(response.status == status, "\(query): \(response.status)")
                #expect(try Self.error(response).field == field, "\(query)")
            }
            // A token naming a dataset the county is not granted, or one before its own: never another's records.
            for token in [
                SnapshotToken(dataset: "social_security", key: "s-0"), SnapshotToken(dataset: "a", key: "b"),
                SnapshotToken(dataset: "zzz", key: "\u{10FFFF}"),
            ] {
                let page = try await Self.page(client, "/v1/snapshot?position=\(head)&after=\(token.encoded)")
                #expect(page.entries.allSatisfy { $0.dataset == "population" }, "\(token)")
            }
            // Not in the topology: refused, whatever the token.
            let stranger = try await Self.get(client, "/v1/snapshot", node: "999999")
            #expect(stranger.status == .forbidden)
        }
    }

    @Test(.timeLimit(.minutes(1))) func aCursorOlderThanTheHorizonIsSentToTheSnapshot() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        try await HubServer.application(hub: hub).test(.router) { client in
            try await Self.seed(client, clock: clock, count: 3)
            let started = try await Self.page(client, "/v1/snapshot?limit=1")
            try await Self.seed(client, clock: clock, count: 2, from: 6)
            try await hub.store.advanceFeedHorizon(to: 9)  // compaction passed the snapshot's position (5)
            let feed = try await Self.get(client, "/v1/changes?since=2")
            #expect(feed.status == .gone)
            let body = try Self.error(feed)
            #expect(body.error == "snapshot_required")
            #expect(body.message.contains("/v1/snapshot"))
            // At the horizon the feed still answers; from 0 (a new node, or one that cannot take snapshots) or
            // from past the head it would skip what was compacted, so it sends the node to the snapshot too.
            #expect(try await Self.get(client, "/v1/changes?since=9").status == .ok)
            #expect(try await Self.get(client, "/v1/changes?since=0").status == .gone)
            #expect(try await Self.get(client, "/v1/changes?since=1000").status == .gone)
            // A snapshot whose position the horizon passed must start again.
            let next = try #require(started.next)
            let stale = try await Self.get(client, "/v1/snapshot?position=\(started.position)&after=\(next.encoded)")
            #expect(stale.status == .gone)
            #expect(try Self.error(stale).error == "snapshot_required")
        }
    }
}
