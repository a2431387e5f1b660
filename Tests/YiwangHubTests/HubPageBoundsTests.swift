import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import YiwangCore
import YiwangHub
import YiwangStore
import YiwangTesting

/// Issue 13, class 7 at the hub: `/v1/changes` and `/v1/conflicts` pages are bounded in bytes, not only in
/// count, and say when more is there; class 3: a cursor past the head is answered with an explicit reset.
@Suite struct HubPageBoundsTests {
    static let now: Int64 = 1_800_000_000_000
    static let policies: [String: MergePolicy] = ["population": .lww, "social_security": .siblings]
    static let grants: Set<String> = ["population", "social_security"]

    /// `count` versions of about `valueBytes` each, from the city (feed sequences 1...count).
    static func seed(_ store: HubStore, count: Int, valueBytes: Int) async throws {
        let filler = String(repeating: "x", count: valueBytes)
        let versions = (1...count).map { i in
            Fixtures.version(
                node: Fixtures.city, counter: UInt64(i), key: "big-\(i)", value: #"{"s":"\#(filler)"}"#, hlcMs: now)
        }
        let batch = Fixtures.batch(node: Fixtures.city, firstSeq: 1, versions, clockMs: now)
        _ = try await store.apply(batch: batch, policies: policies, grants: grants, nowMs: now)
    }

    @Test("a feed page stops at its byte budget, the first version whatever its size", .timeLimit(.minutes(1)))
    func feedPageBytes() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        try await Self.seed(store, count: 10, valueBytes: 1_000)
        var since: Int64 = 0
        var keys: [String] = []
        var pages = 0
        while true {
            let page = try await store.feedPage(
                node: Fixtures.otherCity, since: since, datasets: Self.grants, limit: 1_000, maxBytes: 2_500)
            #expect(page.versions.count <= 2)
            #expect(page.versions.count >= 1 || !page.more)
            keys += page.versions.map(\.key)
            since = page.cursor
            pages += 1
            if !page.more { break }
        }
        #expect(keys == (1...10).map { "big-\($0)" })
        #expect(pages >= 5)
        let tiny = try await store.feedPage(
            node: Fixtures.otherCity, since: 0, datasets: Self.grants, limit: 1_000, maxBytes: 10)
        #expect(tiny.versions.count == 1 && tiny.more && tiny.cursor == 1)
    }

    @Test("GET /v1/changes never answers more than its byte budget of versions", .timeLimit(.minutes(2)))
    func changesRouteBytes() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let hub = try Fixtures.hub(in: dir)
        try await Self.seed(hub.store, count: 12, valueBytes: 1_000_000)
        try await HubServer.application(hub: hub).test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/changes?since=0&limit=10000", method: .get, headers: [HubRoutes.nodeHeader: Fixtures.otherCity])
            #expect(response.status == .ok)
            let versions = try VersionListCodec.decode(Array(response.body.readableBytesView))
            #expect(versions.count >= 1 && versions.count < 12)
            #expect(versions.reduce(0) { $0 + ($1.value?.utf8.count ?? 0) } <= FeedPage.maxBytes)
            #expect(response.headers[HubRoutes.moreHeader] == "1")
            #expect(response.headers[HubRoutes.cursorHeader] == "\(versions.count)")
        }
    }

    @Test("a cursor past the head is answered from the start with X-Yiwang-Reset: 1", .timeLimit(.minutes(1)))
    func resetHeader() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let hub = try Fixtures.hub(in: dir)
        try await Self.seed(hub.store, count: 3, valueBytes: 10)
        try await HubServer.application(hub: hub).test(.router) { client in
            let headers: HTTPFields = [HubRoutes.nodeHeader: Fixtures.otherCity]
            let past = try await client.execute(uri: "/v1/changes?since=1000", method: .get, headers: headers)
            #expect(past.status == .ok)
            #expect(past.headers[HubRoutes.resetHeader] == "1")
            #expect(past.headers[HubRoutes.cursorHeader] == "3")
            #expect(try VersionListCodec.decode(Array(past.body.readableBytesView)).count == 3)
            let normal = try await client.execute(uri: "/v1/changes?since=1", method: .get, headers: headers)
            #expect(normal.headers[HubRoutes.resetHeader] == nil)
        }
    }

    @Test("conflict pages stop at their byte budget and continue with before=", .timeLimit(.minutes(1)))
    func conflictPageBytes() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        let filler = String(repeating: "y", count: 1_000)
        for i in 1...6 {
            for node in [Fixtures.city, Fixtures.otherCity] {
                let version = Fixtures.version(
                    node: node, counter: UInt64(i), dataset: "social_security", key: "s-\(i)",
                    value: #"{"from":"\#(node)","s":"\#(filler)"}"#, hlcMs: Self.now)
                let batch = Fixtures.batch(node: node, firstSeq: UInt64(i), [version], clockMs: Self.now)
                _ = try await store.apply(batch: batch, policies: Self.policies, grants: Self.grants, nowMs: Self.now)
            }
        }
        var before: Int64?
        var ids: [Int64] = []
        while true {
            let page = try await store.conflictPage(
                dataset: "social_security", key: nil, limit: 100, before: before, maxBytes: 5_000)
            #expect(page.items.count >= 1 && page.items.count <= 2)
            ids += page.items.map(\.id)
            guard page.more else { break }
            before = page.items.last?.id
        }
        #expect(ids.count == 6 && ids == ids.sorted(by: >))
    }

    @Test("GET /v1/conflicts stops at its byte budget and says where to continue", .timeLimit(.minutes(2)))
    func conflictsRouteBytes() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let hub = try Fixtures.hub(in: dir)
        let filler = String(repeating: "w", count: 1_000_000)
        for i in 1...6 {
            for node in [Fixtures.city, Fixtures.otherCity] {
                let version = Fixtures.version(
                    node: node, counter: UInt64(i), dataset: "social_security", key: "s-\(i)",
                    value: #"{"s":"\#(filler)"}"#, hlcMs: Self.now)
                let batch = Fixtures.batch(node: node, firstSeq: UInt64(i), [version], clockMs: Self.now)
                _ = try await hub.store.apply(
                    batch: batch, policies: Self.policies, grants: Self.grants, nowMs: Self.now)
            }
        }
        struct Page: Decodable {
            struct Item: Decodable { var id: Int64 }
            var conflicts: [Item]
            var more: Bool
            var nextBefore: Int64?
        }
        try await HubServer.application(hub: hub).test(.router) { client in
            var query = "dataset=social_security&limit=100"
            var ids: [Int64] = []
            var pages = 0
            while true {
                let response = try await client.execute(uri: "/v1/conflicts?\(query)", method: .get)
                #expect(response.status == .ok)
                #expect(response.body.readableBytes < 2 * FeedPage.maxBytes)
                let page = try JSONDecoder().decode(Page.self, from: Data(response.body.readableBytesView))
                #expect(response.headers[HubRoutes.moreHeader] == (page.more ? "1" : "0"))
                ids += page.conflicts.map(\.id)
                pages += 1
                guard page.more, let next = page.nextBefore else { break }
                query = "dataset=social_security&limit=100&before=\(next)"
            }
            #expect(ids.count == 6 && Set(ids).count == 6 && pages >= 2)
        }
    }
}
