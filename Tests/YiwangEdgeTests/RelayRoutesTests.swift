import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import YiwangCore
import YiwangEdge
import YiwangHTTP
import YiwangStore
import YiwangTesting

/// A city's relay listener through a real socket (`.live`): who may upload, as whom, on the matched route;
/// every refusal changes nothing in the city's file.
@Suite struct RelayRoutesTests {
    static let city = "430100"
    static let countyA = "430121"
    static let countyB = "430122"
    static let tokenA = "yw_" + String(repeating: "a", count: 64)
    static let tokenB = "yw_" + String(repeating: "b", count: 64)

    static func subtree() -> RelaySubtree {
        RelaySubtree(
            node: city,
            nodes: [
                .init(id: countyA, parent: city, datasets: ["population"],
                    credentials: [.init(sha256: CredentialToken.hash(tokenA), revokedAtMs: nil)]),
                .init(id: countyB, parent: city, datasets: ["population"],
                    credentials: [.init(sha256: CredentialToken.hash(tokenB), revokedAtMs: nil)]),
            ], policies: ["population": .lww])
    }

    static func body(_ node: String, origin: String? = nil, seq: UInt64 = 1) -> ByteBuffer {
        let version = Version(
            dataset: "population", key: "k\(seq)", vector: VersionVector([origin ?? node: seq]),
            hlc: HLCTimestamp(wallMs: EdgeWallClock().nowMs() - 1_000), origin: origin ?? node, actor: "clerk",
            operation: .put, value: #"{"n":1}"#)
        let batch = SyncBatch(
            node: node, firstSeq: seq,
            report: NodeReport(
                backlog: 1, oldestPendingMs: nil, oldestAfterBatchMs: nil, clockMs: EdgeWallClock().nowMs(),
                hlc: HLCTimestamp(wallMs: EdgeWallClock().nowMs())),
            changes: [Change(seq: seq, version: version)])
        return ByteBuffer(bytes: BatchCodec.encode(batch))
    }

    /// The city's store with its subtree, the relay's application on a free loopback port.
    static func withRelay(
        _ body: @Sendable (EdgeStore, any TestClientProtocol) async throws -> Void
    ) async throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-relay-routes")
        defer { dir.remove() }
        let store = try openStore(dir, node: city)
        try await store.storeRelaySubtree(subtree(), receivedAtMs: 1)
        let configuration = EdgeConfiguration(nodeID: city, hubURL: "http://127.0.0.1:9", dataDirectory: dir.path,
            datasets: ["population"])
        let grants = ProvinceGrants(configuration: configuration, store: store, logger: testLogger)
        let routes = RelayRoutes(
            store: store, counties: RelayCounties(store: store, logger: testLogger), grants: grants,
            maxClockAheadMs: 300_000, logger: testLogger)
        let app = Application(router: routes.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in try await body(store, client) }
    }

    static func post(
        _ client: some TestClientProtocol, _ path: String = "/v1/sync", token: String?, claim: String? = nil,
        body: ByteBuffer
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/x-yiwang-batch"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let claim { headers[HTTPField.Name("X-Yiwang-Node")!] = claim }
        return try await client.execute(uri: path, method: .post, headers: headers, body: body)
    }

    static func error(_ response: TestResponse) -> String {
        let json = try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
        return json?["error"] as? String ?? "?"
    }

    @Test(.timeLimit(.minutes(1))) func onlyACountyOfTheSubtreeUploadsAndOnlyAsItself() async throws {
        try await Self.withRelay { store, client in
            // No credential, an unknown one (an operator's token is unknown here too), a county's used for
            // another county (header or batch), a county's own change forged as another's: refused first.
            let none = try await Self.post(client, token: nil, body: Self.body(Self.countyA))
            #expect(none.status == .unauthorized && Self.error(none) == "unauthorized")
            let unknown = try await Self.post(client, token: "yw_reader", body: Self.body(Self.countyA))
            #expect(unknown.status == .unauthorized)
            let claimed = try await Self.post(client, token: Self.tokenA, claim: Self.countyB, body: Self.body(Self.countyB))
            #expect(claimed.status == .forbidden)
            let asB = try await Self.post(client, token: Self.tokenA, body: Self.body(Self.countyB))
            #expect(asB.status == .forbidden && Self.error(asB) == "forbidden")
            let garbage = try await Self.post(client, token: Self.tokenA, body: ByteBuffer(string: "not a batch"))
            #expect(garbage.status == .badRequest)
            #expect(try await store.relayFigures().isEmpty, "a refused upload changed the city")
            #expect(try await store.record(dataset: "population", key: "k1") == nil)

            // County A as itself, forging B's origin inside its batch: taken as refused, never merged.
            let forged = try await Self.post(
                client, token: Self.tokenA, body: Self.body(Self.countyA, origin: Self.countyB))
            #expect(forged.status == .ok)
            let ack = try JSONCoding.decoder.decode(SyncAck.self, from: Data(forged.body.readableBytesView))
            #expect(ack.rejected.map(\.error) == ["forbidden"] && ack.heldThrough == 0)
            #expect(try await store.record(dataset: "population", key: "k1") == nil)
            // County A's own change: relayed and merged; the ack says the province holds nothing yet.
            let own = try await Self.post(client, token: Self.tokenA, body: Self.body(Self.countyA, seq: 2))
            #expect(own.status == .ok)
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(own.body.readableBytesView)) as? [String: Any])
            #expect(json["highWater"] as? Int == 2 && json["heldThrough"] as? Int == 0)
            #expect(try await store.record(dataset: "population", key: "k2")?.winner.origin == Self.countyA)
        }
    }

    @Test(.timeLimit(.minutes(1))) func everySpellingOfTheSyncPathIsTheSyncRoute() async throws {
        try await Self.withRelay { store, client in
            for path in ["/v1/sync/", "//v1/sync", "/v1//sync"] {
                let refused = try await Self.post(client, path, token: nil, body: Self.body(Self.countyA))
                #expect(refused.status == .unauthorized, "\(path) without a credential: \(refused.status)")
            }
            #expect(try await store.relayFigures().isEmpty)
            var seq: UInt64 = 1
            for path in ["/v1/sync/", "//v1/sync", "/v1//sync"] {
                let taken = try await Self.post(client, path, token: Self.tokenB, body: Self.body(Self.countyB, seq: seq))
                #expect(taken.status == .ok, "\(path) with county B's credential: \(taken.status)")
                seq += 1
            }
            #expect(try await store.relayFigures().map(\.position.highWater) == [3])
            // The open route needs nothing; the county's grants need its credential.
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/v1/grants", method: .get).status == .unauthorized)
            let grants = try await client.execute(
                uri: "/v1/grants", method: .get, headers: [.authorization: "Bearer \(Self.tokenA)"])
            let decoded = try JSONCoding.decoder.decode(NodeGrants.self, from: Data(grants.body.readableBytesView))
            #expect(decoded == NodeGrants(node: Self.countyA, datasets: ["population"], policies: ["population": .lww]))
        }
    }
}
