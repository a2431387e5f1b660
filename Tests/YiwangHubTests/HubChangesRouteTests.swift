import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import YiwangCore
import YiwangHTTP
import YiwangHub
import YiwangStore
import YiwangTesting

/// `GET /v1/changes`: the hub's change feed for one node, through Hummingbird's in-process test client.
@Suite struct HubChangesRouteTests {
    struct Page {
        var versions: [Version]
        var cursor: Int64?
        var more: String?
        var head: Int64?
    }

    static func pull(_ client: some TestClientProtocol, node: String?, query: String) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let node { headers[HubRoutes.nodeHeader] = node }
        return try await client.execute(uri: "/v1/changes?\(query)", method: .get, headers: headers)
    }

    static func page(_ client: some TestClientProtocol, node: String, query: String) async throws -> Page {
        let response = try await pull(client, node: node, query: query)
        try #require(response.status == .ok, "\(String(buffer: response.body))")
        return Page(
            versions: try VersionListCodec.decode(Array(response.body.readableBytesView)),
            cursor: response.headers[HubRoutes.cursorHeader].flatMap { Int64($0) },
            more: response.headers[HubRoutes.moreHeader],
            head: response.headers[HubRoutes.headHeader].flatMap { Int64($0) })
    }

    /// The city writes three population records and one social_security record (feed sequences 1 to 4).
    static func seed(_ client: some TestClientProtocol, clock: ManualClock) async throws {
        var versions = Fixtures.versions(node: Fixtures.city, count: 3, hlcMs: clock.nowMs())
        versions[1].value = #"{"name":"李","note":"exact  bytes"}"#
        versions.append(
            Fixtures.version(
                node: Fixtures.city, counter: 4, dataset: "social_security", key: "s-1", hlcMs: clock.nowMs()))
        let batch = Fixtures.batch(node: Fixtures.city, firstSeq: 1, versions, clockMs: clock.nowMs())
        let response = try await HubRoutesTests.post(client, BatchCodec.encode(batch), node: Fixtures.city)
        try #require(response.status == .ok)
    }

    @Test(.timeLimit(.minutes(1))) func feedIsFilteredByGrantsAndOriginWithACursorThatAdvances() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let app = HubServer.application(hub: try Fixtures.hub(in: dir, clock: clock))
        try await app.test(.router) { client in
            try await Self.seed(client, clock: clock)

            // The county is granted population only: three versions, value bytes exactly as sent.
            let county = try await Self.page(client, node: Fixtures.county, query: "since=0")
            #expect(county.versions.map(\.key) == ["key-1", "key-2", "key-3"])
            #expect(county.versions[1].value == #"{"name":"李","note":"exact  bytes"}"#)
            #expect(county.cursor == 4 && county.more == "0" && county.head == 4)

            // The city wrote everything: nothing to receive, but its cursor still moves to the head.
            let own = try await Self.page(client, node: Fixtures.city, query: "since=0")
            #expect(own.versions.isEmpty && own.cursor == 4 && own.more == "0")

            // Paging: two at a time, in feed order, `more` until the end.
            let first = try await Self.page(client, node: Fixtures.otherCity, query: "since=0&limit=2")
            #expect(first.versions.map(\.key) == ["key-1", "key-2"] && first.cursor == 2 && first.more == "1")
            let rest = try await Self.page(client, node: Fixtures.otherCity, query: "since=2&limit=2")
            #expect(rest.versions.map(\.key) == ["key-3", "s-1"] && rest.cursor == 4 && rest.more == "0")

            // A cursor past the head (a hub restored from an older backup) starts again from the beginning.
            let restored = try await Self.page(client, node: Fixtures.county, query: "since=99")
            #expect(restored.versions.count == 3 && restored.cursor == 4)

            // The report shows each node's downlink position and lag.
            let report = try await client.execute(uri: "/v1/nodes/\(Fixtures.otherCity)", method: .get)
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(report.body.readableBytesView)) as? [String: Any])
            #expect(json["downlinkCursor"] as? Int == 2 && json["downlinkLag"] as? Int == 2)
            #expect(json["lastPullMs"] as? Int == Int(clock.nowMs()))
        }
    }

    @Test(.timeLimit(.minutes(1))) func badRequestsAreRefused() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let app = HubServer.application(hub: try Fixtures.hub(in: dir))
        try await app.test(.router) { client in
            let anonymous = try await Self.pull(client, node: nil, query: "since=0")
            #expect(anonymous.status == .badRequest)
            let unknown = try await Self.pull(client, node: "999999", query: "since=0")
            #expect(unknown.status == .forbidden || unknown.status == .unauthorized)
            let negative = try await Self.pull(client, node: Fixtures.county, query: "since=-1")
            #expect(negative.status == .badRequest)
            let empty = try await Self.pull(client, node: Fixtures.county, query: "limit=0")
            #expect(empty.status == .badRequest)
        }
    }

    @Test(.timeLimit(.minutes(1))) func longPollReturnsAsSoonAsSomethingArrives() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let app = HubServer.application(hub: try Fixtures.hub(in: dir, clock: clock))
        try await app.test(.router) { client in
            let started = ContinuousClock.now
            async let waited = Self.page(client, node: Fixtures.county, query: "since=0&wait=20")
            try await Task.sleep(for: .milliseconds(300))
            try await Self.seed(client, clock: clock)
            let page = try await waited
            #expect(page.versions.count == 3)
            #expect(ContinuousClock.now - started < .seconds(5), "the long-poll did not wake up on the write")

            // Nothing new: the hub holds the request about `wait` seconds, then answers with an empty page.
            let idleStart = ContinuousClock.now
            let idle = try await Self.page(client, node: Fixtures.county, query: "since=4&wait=1")
            #expect(idle.versions.isEmpty && idle.cursor == 4)
            #expect(ContinuousClock.now - idleStart >= .milliseconds(900))
        }
    }
}
