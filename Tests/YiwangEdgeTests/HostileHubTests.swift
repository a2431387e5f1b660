import Foundation
import Synchronization
import Testing
import YiwangCore
@testable import YiwangEdge
import YiwangStore
import YiwangTesting

/// Issue 13, classes 2 and 3 at the edge: a hub's acknowledgement is believed only as far as the node can
/// check it, its numbers never trap the node, and a feed cursor moves back only on the hub's explicit reset.
@Suite("Hostile hub")
struct HostileHubTests {
    /// Every hostile acknowledgement is a case of `UplinkMachineFailureTests.hostileAck` (milliseconds); these
    /// three (believed as far as sent, a rewind past what was sent, a clock that is no time) go through the
    /// whole uplink, its store and its status.
    static let hostileAcks: [String] = [
        #"{"highWater":18446744073709551615,"rejected":[],"hubClockMs":0}"#,
        #"{"highWater":0,"expectedSeq":18446744073709551615,"rejected":[],"hubClockMs":0}"#,
        #"{"highWater":1,"rejected":[],"hubClockMs":-9223372036854775808}"#,
    ]

    @Test(
        "an acknowledgement with extreme numbers: the edge keeps running, counts it, acknowledges nothing unsent",
        .timeLimit(.minutes(1)), arguments: hostileAcks)
    func extremeAck(_ ack: String) async throws {
        let hub = FakeHub()
        hub.set { $0.hostileAcks = Array(repeating: Array(ack.utf8), count: 3) }
        let status = UplinkStatus()
        try await withUplink(hub, status: status) { store in
            _ = try await store.apply([put("a"), put("b")])
            #expect(try await eventually(20) { hub.snapshot.hostileAcks.isEmpty })
            #expect(try await store.summary().ackedThrough <= 2)
            // Once the hub answers honestly, everything written reaches it, numbered as written.
            _ = try await store.apply(put("c"))
            #expect(try await eventually(20) { try await store.summary().ackedThrough == 3 })
            let summary = try await store.summary()
            #expect(summary.highestSeq == 3 && summary.backlog == 0)
        }
        #expect(Set(hub.snapshot.applied.keys) == [1, 2, 3])
        #expect(status.snapshot.refusedAcks >= 1)
    }

    @Test(
        "an acknowledgement beyond what was sent never marks the unsent entries acknowledged",
        .timeLimit(.minutes(1)))
    func overAcknowledged() async throws {
        let hub = FakeHub()
        hub.set { $0.overAcknowledgeOnce = 5 }
        let status = UplinkStatus()
        try await withUplink(hub, maxBatchChanges: 5, status: status) { store in
            _ = try await store.apply((0..<10).map { put("k\($0)") })
            #expect(try await eventually(15) { hub.snapshot.applied.count == 10 })
            #expect(try await eventually(15) { try await store.summary().ackedThrough == 10 })
        }
        #expect(Set(hub.snapshot.applied.keys) == Set(1...10))
        #expect(status.snapshot.refusedAcks >= 1)
    }
}

/// A downlink transport answering a fixed list of feed responses, one per pull.
final class ScriptedFeed: DownlinkTransport, Sendable {
    let answers: Mutex<[FeedResponse]>
    init(_ answers: [FeedResponse]) { self.answers = Mutex(answers) }

    func fetchChanges(
        node: String, since: Int64, limit: Int, waitSeconds: Int,
        completion: @escaping @Sendable (Result<FeedResponse, YiwangError>) -> Void
    ) {
        let next = answers.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        completion(next.map { .success($0) } ?? .failure(.transport("no more answers")))
    }
}

@Suite("Hostile feed")
struct HostileFeedTests {
    static func page(cursor: Int64?, head: Int64?, reset: Bool = false) -> FeedResponse {
        FeedResponse(
            status: 200, body: VersionListCodec.encode([]), cursor: cursor, more: false, head: head, reset: reset)
    }

    @Test(
        "a feed cursor moves back or past the head only on the hub's explicit reset", .timeLimit(.minutes(1)))
    func cursorRules() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir)
            let configuration = EdgeConfiguration(
                nodeID: "430100", hubURL: "http://127.0.0.1:9", dataDirectory: dir.path, datasets: ["population"])
            let feed = ScriptedFeed([
                Self.page(cursor: 10, head: 10),
                Self.page(cursor: 4, head: 10),  // backwards, no reset
                Self.page(cursor: 20, head: 12),  // past the head
                Self.page(cursor: -1, head: 10),
                Self.page(cursor: Int64.max, head: Int64.min),
                Self.page(cursor: 3, head: 3, reset: true),
            ])
            let service = DownlinkService(
                configuration: configuration, store: store, transport: feed, logger: testLogger)
            _ = try await service.pullOnce(wait: false)
            #expect(try await store.downlinkCursor() == 10)
            for _ in 0..<4 {
                await #expect(throws: YiwangError.self) { _ = try await service.pullOnce(wait: false) }
                #expect(try await store.downlinkCursor() == 10)
            }
            #expect(service.refusedPages.load(ordering: .relaxed) == 4)
            _ = try await service.pullOnce(wait: false)
            #expect(try await store.downlinkCursor() == 3)
        }
    }
}
