import Foundation
import Synchronization
import Testing
import YiwangAPI
import YiwangCore
@testable import YiwangEdge
import YiwangStore
import YiwangTesting

/// A downlink transport answering fixed lists of snapshot and feed responses, one per request.
final class ScriptedSnapshotHub: DownlinkTransport, Sendable {
    let snapshots: Mutex<[SnapshotResponse]>
    let feed: Mutex<[FeedResponse]>
    let feedPulls = Atomic<Int>(0)

    init(snapshots: [SnapshotResponse], feed: [FeedResponse] = []) {
        self.snapshots = Mutex(snapshots)
        self.feed = Mutex(feed)
    }

    func fetchSnapshot(
        node: String, position: Int64?, after: SnapshotToken?, limit: Int,
        completion: @escaping @Sendable (Result<SnapshotResponse, YiwangError>) -> Void
    ) {
        let next = snapshots.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        completion(next.map { .success($0) } ?? .failure(.transport("no more snapshot answers")))
    }

    func fetchChanges(
        node: String, since: Int64, limit: Int, waitSeconds: Int,
        completion: @escaping @Sendable (Result<FeedResponse, YiwangError>) -> Void
    ) {
        feedPulls.wrappingAdd(1, ordering: .relaxed)
        let next = feed.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        completion(next.map { .success($0) } ?? .failure(.transport("no more feed answers")))
    }
}

/// Only a hub that has no snapshot route (an older hub) sends the node to its feed from 0; any other 404 or
/// error is retried, shown in the node's status, and the snapshot still happens once the hub answers.
@Suite("Downlink snapshot fallback")
struct DownlinkSnapshotFallbackTests {
    static func error(_ status: Int, _ body: String) -> SnapshotResponse {
        SnapshotResponse(status: status, body: Array(body.utf8))
    }

    static let configuration = EdgeConfiguration(
        nodeID: "430100", hubURL: "http://127.0.0.1:9", dataDirectory: "/nonexistent", datasets: ["population"])

    @Test("a 404 that is not the hub's no-route answer never skips the snapshot", .timeLimit(.minutes(1)))
    func otherNotFoundIsRetried() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir)
            let lastPage = SnapshotPage(position: 7, readAt: 7, next: nil, entries: [])
            let hub = ScriptedSnapshotHub(snapshots: [
                Self.error(404, #"{"error":"unknown_dataset","field":"dataset","message":"dataset 'x' is unknown"}"#),
                Self.error(404, #"{"error":"not_found","message":"node '430100' not found"}"#),
                Self.error(404, "<html>no such location</html>"),
                Self.error(404, ""),
                Self.error(503, #"{"error":"unavailable","message":"busy"}"#),
                SnapshotResponse(status: 200, body: SnapshotCodec.encode(lastPage)),
            ])
            let service = DownlinkService(
                configuration: Self.configuration, store: store, transport: hub, logger: testLogger)
            for _ in 0..<5 {
                await #expect(throws: YiwangError.self) { _ = try await service.pullOnce(wait: false) }
                #expect(try await store.needsSnapshot(), "the snapshot is still to do")
            }
            #expect(hub.feedPulls.load(ordering: .relaxed) == 0, "no feed pulled from 0 on a hub that has snapshots")
            _ = try await service.pullOnce(wait: false)
            #expect(try await store.downlinkCursor() == 7)
            #expect(try await !store.needsSnapshot())
        }
    }

    @Test("the run loop retries a failed snapshot page and shows why in the status", .timeLimit(.minutes(1)))
    func statusShowsTheError() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir)
            let hub = ScriptedSnapshotHub(
                snapshots: Array(repeating: Self.error(404, #"{"error":"not_found","message":"node not found"}"#), count: 50))
            var configuration = Self.configuration
            configuration.uplink.backoffBaseMs = 1
            configuration.uplink.backoffCapMs = 5
            let service = DownlinkService(configuration: configuration, store: store, transport: hub, logger: testLogger)
            let run = Task { try await service.run() }
            #expect(try await eventually(10) { hub.snapshots.withLock { $0.count } < 45 }, "retried, not wedged")
            let summary = try await store.downlinkSummary()
            #expect(summary.lastError?.contains("404") == true, "\(summary.lastError ?? "nil")")
            #expect(try await store.needsSnapshot())
            #expect(hub.feedPulls.load(ordering: .relaxed) == 0)
            run.cancel()
            _ = try? await run.value
        }
    }

    @Test("the hub's no-route 404 (an older hub) sends the node to the feed from 0", .timeLimit(.minutes(1)))
    func noRouteFallsBackToTheFeed() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir)
            let hub = ScriptedSnapshotHub(
                snapshots: [SnapshotResponse(status: 404, body: SnapshotResponse.noRouteBody)],
                feed: [HostileFeedTests.page(cursor: 3, head: 3)])
            let service = DownlinkService(
                configuration: Self.configuration, store: store, transport: hub, logger: testLogger)
            _ = try await service.pullOnce(wait: false)
            #expect(try await store.downlinkCursor() == 3)
            #expect(try await !store.needsSnapshot())
            #expect(hub.feedPulls.load(ordering: .relaxed) == 1)
        }
    }
}

/// The node's status shows its snapshot bootstrap: pending before the first page, then paging with its
/// position, pages and records, and nothing once it finished.
@Suite("Downlink snapshot status")
struct DownlinkSnapshotStatusTests {
    static func entry(_ key: String) -> SnapshotEntry {
        let version = Version(
            dataset: "population", key: key, vector: VersionVector(["430200": 1]),
            hlc: HLCTimestamp(wallMs: 1_790_000_000_000), origin: "430200", actor: "clerk", operation: .put,
            value: #"{"n":1}"#)
        return SnapshotEntry(
            dataset: "population", key: key, state: RecordState(vector: version.vector, visible: [version]))
    }

    static func page(_ keys: [String], last: Bool) -> SnapshotResponse {
        let entries = keys.map(entry)
        let next = last ? nil : entries.last.map { SnapshotToken(dataset: $0.dataset, key: $0.key) }
        return SnapshotResponse(
            status: 200, body: SnapshotCodec.encode(SnapshotPage(position: 9, readAt: 9, next: next, entries: entries)))
    }

    @Test(.timeLimit(.minutes(1))) func pendingThenPagingThenNothing() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir)
            let hub = ScriptedSnapshotHub(snapshots: [
                Self.page(["a", "b"], last: false), Self.page(["c", "d", "e"], last: false), Self.page(["f"], last: true),
            ])
            let service = DownlinkService(
                configuration: DownlinkSnapshotFallbackTests.configuration, store: store, transport: hub,
                logger: testLogger)
            func status() async throws -> DownlinkStatus.Snapshot? {
                DownlinkStatus(try await store.downlinkSummary(), nowMs: 0).snapshot
            }
            #expect(try await status() == .init(state: "pending", position: nil, pages: 0, records: 0))
            _ = try await service.pullOnce(wait: false)
            #expect(try await status() == .init(state: "paging", position: 9, pages: 1, records: 2))
            _ = try await service.pullOnce(wait: false)
            let paging = try #require(try await status())
            #expect(paging == .init(state: "paging", position: 9, pages: 2, records: 5))
            #expect(paging.summary == "paging at position 9: 2 pages, 5 records")
            _ = try await service.pullOnce(wait: false)
            #expect(try await status() == nil)
            #expect(try await store.downlinkCursor() == 9)
        }
    }
}
