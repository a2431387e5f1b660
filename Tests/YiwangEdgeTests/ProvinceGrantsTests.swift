import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing
import YiwangCore
@testable import YiwangEdge
import YiwangStore
import YiwangTesting

/// A hub's `GET /v1/grants` answering what the test sets; `nil` answers as a hub that cannot be reached.
final class ScriptedGrants: GrantsTransport, Sendable {
    let answer: Mutex<(status: Int, body: [UInt8])?>
    let fetches = Atomic<Int>(0)

    init(_ grants: NodeGrants?) {
        answer = Mutex(grants.map { (200, Array(try! JSONEncoder().encode($0))) })
    }

    func set(status: Int = 200, body: [UInt8]) { answer.withLock { $0 = (status, body) } }
    func set(_ grants: NodeGrants?) {
        answer.withLock { $0 = grants.map { (200, Array(try! JSONEncoder().encode($0))) } }
    }

    func fetchGrants(node: String) async throws(YiwangError) -> (status: Int, body: [UInt8]) {
        fetches.wrappingAdd(1, ordering: .relaxed)
        guard let answer = answer.withLock({ $0 }) else { throw .transport("connection refused") }
        return answer
    }
}

/// The edge's side of "datasets and policies come from the province": what it writes to, how it merges,
/// what it says, across a hub that answers, refuses, lies, or is down at a restart.
@Suite("Province grants at the edge")
struct ProvinceGrantsTests {
    static let node = "430100"
    static let province = NodeGrants(
        node: node, datasets: ["population", "social_security"],
        policies: ["population": .lww, "social_security": .siblings])

    struct Node {
        var configuration: EdgeConfiguration
        var store: EdgeStore
        var grants: ProvinceGrants
        var service: GrantsService
        var hub: ScriptedGrants
    }

    static func node(
        _ dir: TemporaryDirectory, datasets: [String]? = nil, policies: [String: MergePolicy] = [:],
        hub: NodeGrants? = province
    ) throws -> Node {
        var configuration = EdgeConfiguration(
            nodeID: node, hubURL: "http://127.0.0.1:9", dataDirectory: dir.path, datasets: datasets)
        configuration.policies = policies
        let store = try openStore(dir)
        let grants = ProvinceGrants(configuration: configuration, store: store, logger: testLogger)
        let transport = ScriptedGrants(hub)
        let service = GrantsService(
            configuration: configuration, grants: grants, transport: transport, logger: testLogger)
        return Node(configuration: configuration, store: store, grants: grants, service: service, hub: transport)
    }

    /// Runs `body` against the node's local API.
    static func withRoutes(_ node: Node, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void)
        async throws
    {
        let routes = EdgeRoutes(
            configuration: node.configuration, store: node.store, status: UplinkStatus(), grants: node.grants)
        try await Application(router: routes.router()).test(.router) { client in try await body(client) }
    }

    static func put(_ client: some TestClientProtocol, _ dataset: String, key: String = "k1") async throws
        -> TestResponse
    {
        try await client.execute(
            uri: "/v1/records/\(dataset)/\(key)", method: .put, headers: actor, body: ByteBuffer(string: "{\"a\":1}"))
    }

    static func status(_ client: some TestClientProtocol) async throws -> (all: [String: Any], grants: [String: Any]) {
        let response = try await client.execute(uri: "/v1/status", method: .get)
        let body = try json(response)
        return (body, try #require(body["grants"] as? [String: Any]))
    }

    /// Two concurrent versions of one record from two other nodes, merged as the downlink does: the number
    /// of visible versions afterwards is what the policy in use decides (1 for lww, 2 for siblings).
    static func visibleAfterConcurrentRemotes(_ store: EdgeStore, dataset: String) async throws -> Int {
        for (origin, ms) in [("430200", Int64(1_700_000_000_000)), ("430300", 1_700_000_000_500)] {
            let version = Version(
                dataset: dataset, key: "shared", vector: VersionVector([origin: 1]), hlc: HLCTimestamp(wallMs: ms),
                origin: origin, actor: "clerk", operation: .put, value: "{\"by\":\"\(origin)\"}")
            _ = try await store.applyDownlink(
                [version], from: try await store.downlinkCursor(), to: try await store.downlinkCursor() + 1,
                head: try await store.downlinkCursor() + 1)
        }
        return try #require(try await store.record(dataset: dataset, key: "shared")).visible.count
    }

    @Test("without --datasets a node takes no write until it learns its grants, then holds exactly them",
          .timeLimit(.minutes(1)))
    func learnsItsDatasets() async throws {
        try await withTemporaryDirectory { dir in
            let node = try Self.node(dir)
            try await Self.withRoutes(node) { client in
                var response = try await Self.put(client, "population")
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("'population'"))
                var status = try await Self.status(client)
                #expect(status.grants["basis"] as? String == "unknown")
                #expect(status.grants["policiesConfirmed"] as? Bool == false)
                #expect((status.all["datasets"] as? [String])?.isEmpty == true)

                try await node.service.refreshOnce()
                response = try await Self.put(client, "population")
                #expect(response.status == .ok)
                #expect(try await Self.put(client, "social_security").status == .ok)
                response = try await Self.put(client, "finance")
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains("unknown_dataset"))
                status = try await Self.status(client)
                #expect(status.all["datasets"] as? [String] == ["population", "social_security"])
                #expect(status.grants["basis"] as? String == "province")
                #expect(status.grants["policies"] as? [String: String] == ["population": "lww", "social_security": "siblings"])
                #expect(status.grants["receivedAtMs"] as? Int != nil)
                #expect((status.grants["notes"] as? [String])?.isEmpty == true)
            }
            // Merges now use the province's policies: siblings keeps both concurrent versions.
            #expect(try await Self.visibleAfterConcurrentRemotes(node.store, dataset: "social_security") == 2)
            #expect(try await Self.visibleAfterConcurrentRemotes(node.store, dataset: "population") == 1)
        }
    }

    @Test("a restart while the hub is down keeps the province's datasets and policies from the store",
          .timeLimit(.minutes(1)))
    func restartWithStoredGrants() async throws {
        try await withTemporaryDirectory { dir in
            let first = try Self.node(dir)
            try await first.service.refreshOnce()
            #expect(try first.store.storedGrants()?.grants == Self.province)

            // Restarted (a second open of the same file), the hub unreachable.
            let again = try Self.node(dir, hub: nil)
            #expect(again.grants.plan.basis == .stored)
            #expect(again.grants.plan.datasets == ["population", "social_security"])
            await #expect(throws: YiwangError.self) { try await again.service.refreshOnce() }
            #expect(again.grants.plan.basis == .stored, "a failed fetch keeps the stored grants")
            try await Self.withRoutes(again) { client in
                #expect(try await Self.put(client, "social_security").status == .ok)
                let status = try await Self.status(client)
                #expect(status.grants["basis"] as? String == "stored")
                #expect(status.grants["policiesConfirmed"] as? Bool == true)
                #expect((status.grants["lastError"] as? String)?.contains("connection refused") == true)
            }
            #expect(try await Self.visibleAfterConcurrentRemotes(again.store, dataset: "social_security") == 2)

            // The hub is back: the answer is fresh again, and a change of the province's is taken.
            again.hub.set(NodeGrants(node: Self.node, datasets: ["population"], policies: ["population": .siblings]))
            try await again.service.refreshOnce()
            #expect(again.grants.plan.basis == .province && again.grants.plan.datasets == ["population"])
            #expect(try again.store.storedGrants()?.grants.policies == ["population": .siblings])
        }
    }

    @Test("a configured policy that differs is reported and the province's is used", .timeLimit(.minutes(1)))
    func policyMismatch() async throws {
        try await withTemporaryDirectory { dir in
            let node = try Self.node(
                dir, datasets: ["population", "social_security"], policies: ["social_security": .lww])
            try await node.service.refreshOnce()
            try await Self.withRoutes(node) { client in
                let status = try await Self.status(client)
                let overrides = try #require(status.grants["policyOverrides"] as? [[String: String]])
                #expect(overrides == [["dataset": "social_security", "configured": "lww", "province": "siblings"]])
                #expect((status.grants["notes"] as? [String])?.contains { $0.contains("using siblings") } == true)
            }
            #expect(try await Self.visibleAfterConcurrentRemotes(node.store, dataset: "social_security") == 2)
        }
    }

    @Test("a configured dataset the province does not grant is refused locally, naming it", .timeLimit(.minutes(1)))
    func notGranted() async throws {
        try await withTemporaryDirectory { dir in
            let node = try Self.node(dir, datasets: ["population", "finance"])
            try await Self.withRoutes(node) { client in
                // Before the grants: both configured datasets are taken, unconfirmed, and the status says so.
                #expect(try await Self.put(client, "finance", key: "early").status == .ok)
                var status = try await Self.status(client)
                #expect(status.grants["basis"] as? String == "unconfirmed")
                #expect((status.grants["notes"] as? [String])?.contains { $0.contains("unconfirmed") } == true)

                try await node.service.refreshOnce()
                let response = try await Self.put(client, "finance")
                #expect(response.status == .forbidden)
                let text = String(buffer: response.body)
                #expect(text.contains("'finance'") && text.contains("430100"), "\(text)")
                #expect(try await Self.put(client, "population").status == .ok)
                status = try await Self.status(client)
                #expect(status.grants["notGranted"] as? [String] == ["finance"])
                #expect(status.grants["notHeld"] as? [String] == ["social_security"])
                #expect(status.all["datasets"] as? [String] == ["population"])
            }
        }
    }

    @Test("a hub's answer that does not check out changes nothing", .timeLimit(.minutes(1)))
    func hostileAnswers() async throws {
        try await withTemporaryDirectory { dir in
            let node = try Self.node(dir, datasets: ["population"])
            let bad: [(Int, [UInt8])] = [
                (200, Array(#"{"node":"430200","datasets":["population"],"policies":{"population":"lww"}}"#.utf8)),
                (200, Array(#"{"node":"430100","datasets":["population"],"policies":{"population":"newest"}}"#.utf8)),
                (200, Array(#"{"node":"430100","datasets":["population"],"policies":{}}"#.utf8)),
                (200, Array(#"{"node":"430100","datasets":["pop\u0000"],"policies":{"pop\u0000":"lww"}}"#.utf8)),
                (200, [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D]),
                (200, Array(repeating: 0x20, count: GrantsAnswer.maxBodyBytes + 1)),
                (500, Array(#"{"error":"storage_error","message":"disk"}"#.utf8)),
                (404, []),
            ]
            for (status, body) in bad {
                node.hub.set(status: status, body: body)
                await #expect(throws: YiwangError.self) { try await node.service.refreshOnce() }
                #expect(node.grants.plan.basis == .unconfirmed)
                #expect(try node.store.storedGrants() == nil)
            }
        }
    }

    @Test("the downlink merges nothing before the province's policies, nor a dataset they lack",
          .timeLimit(.minutes(1)))
    func downlinkWaitsForPolicies() async throws {
        try await withTemporaryDirectory { dir in
            let node = try Self.node(dir, datasets: ["population"])
            let version = Version(
                dataset: "education", key: "e1", vector: VersionVector(["430200": 1]),
                hlc: HLCTimestamp(wallMs: 1_700_000_000_000), origin: "430200", actor: "clerk", operation: .put,
                value: "{}")
            let feed = ScriptedFeed([
                FeedResponse(status: 200, body: VersionListCodec.encode([version]), cursor: 1, more: false, head: 1)
            ])
            let downlink = DownlinkService(
                configuration: node.configuration, store: node.store, transport: feed, grants: node.grants,
                logger: testLogger)
            try await node.service.refreshOnce()
            await #expect(throws: YiwangError.self) { _ = try await downlink.pullOnce(wait: false) }
            #expect(try await node.store.downlinkCursor() == 0, "the page is pulled again, not skipped")
            #expect(try await node.store.record(dataset: "education", key: "e1") == nil)
        }
    }
}
