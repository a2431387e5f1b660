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

/// The hub's HTTP API through Hummingbird's in-process test client (no network).
@Suite struct HubRoutesTests {
    struct ErrorJSON: Decodable {
        var error: String
        var field: String?
        var message: String
    }

    static func post(_ client: some TestClientProtocol, _ bytes: [UInt8], node: String?) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: HubRoutes.batchContentType]
        if let node { headers[HubRoutes.nodeHeader] = node }
        return try await client.execute(
            uri: "/v1/sync", method: .post, headers: headers, body: ByteBuffer(bytes: bytes))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(response.body.readableBytesView))
    }

    @Test(.timeLimit(.minutes(1))) func syncThenReadRecordDigestAndReport() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        let app = HubServer.application(hub: hub)
        try await app.test(.router) { client in
            let batch = Fixtures.batch(
                node: Fixtures.city, firstSeq: 1, Fixtures.versions(node: Fixtures.city, count: 3, hlcMs: clock.nowMs()),
                clockMs: clock.nowMs())
            let response = try await Self.post(client, BatchCodec.encode(batch), node: Fixtures.city)
            #expect(response.status == .ok)
            let ack = try Self.decode(SyncAck.self, response)
            #expect(ack.highWater == 3 && ack.expectedSeq == nil && ack.rejected.isEmpty)
            #expect(ack.hubClockMs == clock.nowMs())

            let record = try await client.execute(uri: "/v1/records/population/key-2", method: .get)
            #expect(record.status == .ok)
            let text = String(buffer: record.body)
            #expect(text.contains(#""value":{"name":"Li"}"#))
            #expect(text.contains(#""origin":"430100""#))

            let odd = Fixtures.version(node: Fixtures.city, counter: 4, key: "户籍 1/2", hlcMs: clock.nowMs())
            let oddBatch = Fixtures.batch(node: Fixtures.city, firstSeq: 4, [odd], clockMs: clock.nowMs())
            #expect(try await Self.post(client, BatchCodec.encode(oddBatch), node: Fixtures.city).status == .ok)
            let encoded = "户籍 1/2".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let oddRecord = try await client.execute(uri: "/v1/records/population/\(encoded)", method: .get)
            #expect(oddRecord.status == .ok)
            #expect(String(buffer: oddRecord.body).contains(#""key":"户籍 1/2""#))

            let missing = try await client.execute(uri: "/v1/records/population/nope", method: .get)
            #expect(missing.status == .notFound)

            let digest = try Self.decode(
                DigestBody.self, try await client.execute(uri: "/v1/datasets/population/digest", method: .get))
            #expect(digest.records == 4)
            #expect(digest.digest == (try await hub.store.digest(dataset: "population")).hex)
            #expect(digest.digest.count == 64)

            let node = try Self.decode(
                NodeStatus.self, try await client.execute(uri: "/v1/nodes/\(Fixtures.city)", method: .get))
            #expect(node.state == .realtime && node.changesApplied == 4 && node.highWater == 4)

            let unknown = try await client.execute(uri: "/v1/nodes/999999", method: .get)
            #expect(unknown.status == .notFound)
            #expect(try Self.decode(ErrorJSON.self, unknown).error == "not_found")
            // Only the router's own 404 reads as "no such route" (a node's cue that the hub is older).
            let noRoute = try await client.execute(uri: "/v1/no-such-route", method: .get)
            #expect(ErrorBody.isNoRoute(status: Int(noRoute.status.code), body: Array(noRoute.body.readableBytesView)))
            #expect(!ErrorBody.isNoRoute(status: Int(unknown.status.code), body: Array(unknown.body.readableBytesView)))
            #expect(!ErrorBody.isNoRoute(status: Int(missing.status.code), body: Array(missing.body.readableBytesView)))

            let all = try await client.execute(uri: "/v1/nodes", method: .get)
            let json = String(buffer: all.body)
            #expect(json.contains(#""lastContactMs":null"#))  // never-seen nodes: explicit null
            let report = try Self.decode(ConnectivityReport.self, all)
            #expect(report.summary.text == "1 of 2 cities, 0 of 1 county real-time")

            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
        }
    }

    /// Each bad body: a 4xx JSON error naming the problem, nothing applied, counted against the node.
    @Test(
        .timeLimit(.minutes(1)),
        arguments: [
            ("truncated", HTTPResponse.Status.badRequest, "malformed_batch"),
            ("bad checksum", .badRequest, "checksum_mismatch"),
            ("oversized", .contentTooLarge, "batch_too_large"),
            ("not a batch", .badRequest, "malformed_batch"),
            ("sent as another node", .forbidden, "forbidden"),
        ])
    func badBatchIsRefusedAndCounted(_ problem: String, _ status: HTTPResponse.Status, _ code: String) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock, maxBodyBytes: 4096)
        let app = HubServer.application(hub: hub)
        try await app.test(.router) { client in
            let versions = Fixtures.versions(node: Fixtures.city, count: 2, hlcMs: clock.nowMs())
            let batch = Fixtures.batch(node: Fixtures.city, firstSeq: 1, versions, clockMs: clock.nowMs())
            var bytes = BatchCodec.encode(batch, compress: false)
            var sender = Fixtures.city
            switch problem {
            case "truncated": bytes.removeLast(10)
            case "bad checksum": bytes[bytes.count - 3] ^= 0x01
            case "oversized": bytes = BatchCodec.encode(
                Fixtures.batch(
                    node: Fixtures.city, firstSeq: 1, Fixtures.versions(node: Fixtures.city, count: 200, hlcMs: 1),
                    clockMs: clock.nowMs()), compress: false)
            case "not a batch": bytes = Array(#"{"node":"430100"}"#.utf8)
            default: sender = Fixtures.otherCity
            }
            let response = try await Self.post(client, bytes, node: sender)
            #expect(response.status == status, "\(problem)")
            let error = try Self.decode(ErrorJSON.self, response)
            #expect(error.error == code, "\(problem)")
            #expect(!error.message.isEmpty)

            #expect(try await hub.store.digest(dataset: "population").records == 0)
            let node = try Self.decode(
                NodeStatus.self, try await client.execute(uri: "/v1/nodes/\(sender)", method: .get))
            #expect(node.rejectedBatches == 1)
            #expect(node.lastError?.contains(code) == true)
            #expect(node.lastErrorAtMs == clock.nowMs())
            #expect(node.highWater == 0)

            // The hub keeps serving: the good batch goes through afterwards.
            let good = try await Self.post(client, BatchCodec.encode(batch), node: Fixtures.city)
            #expect(good.status == .ok)
            #expect(try await hub.store.digest(dataset: "population").records == 2)
        }
    }

    @Test(.timeLimit(.minutes(1))) func unknownNodeIsForbidden() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let hub = try Fixtures.hub(in: dir)
        try await HubServer.application(hub: hub).test(.router) { client in
            let batch = Fixtures.batch(
                node: "439999", firstSeq: 1, Fixtures.versions(node: "439999", count: 1, hlcMs: 1), clockMs: 1)
            for header in ["439999", nil] {
                let response = try await Self.post(client, BatchCodec.encode(batch), node: header)
                #expect(response.status == .forbidden)
                let error = try Self.decode(ErrorJSON.self, response)
                #expect(error.error == "unknown_node" && error.message.contains("439999"))
            }
            #expect(try await hub.store.digest(dataset: "population").records == 0)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("yiwang_hub_rejected_batches_total 2"))
        }
    }

    @Test(.timeLimit(.minutes(1))) func rejectedChangesAreListedInTheAckAndTheReport() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        try await HubServer.application(hub: hub).test(.router) { client in
            let now = clock.nowMs()
            let versions = [
                Fixtures.version(node: Fixtures.county, counter: 1, key: "ok", hlcMs: now),
                // The county is granted population only.
                Fixtures.version(node: Fixtures.county, counter: 2, dataset: "social_security", key: "x", hlcMs: now),
                Fixtures.version(node: Fixtures.county, counter: 3, key: "bad", value: "not json", hlcMs: now),
                Fixtures.version(node: Fixtures.county, counter: 4, key: "future", hlcMs: now + 3_600_000),
            ]
            let batch = Fixtures.batch(node: Fixtures.county, firstSeq: 1, versions, clockMs: now)
            let response = try await Self.post(client, BatchCodec.encode(batch), node: Fixtures.county)
            #expect(response.status == .ok)
            let ack = try Self.decode(SyncAck.self, response)
            #expect(ack.highWater == 4)
            #expect(ack.rejected.map(\.seq) == [2, 3, 4])
            #expect(ack.rejected.map(\.error) == ["unknown_dataset", "invalid_field", "clock_ahead"])
            #expect(ack.rejected[0].message.contains("social_security"))
            #expect(ack.rejected[2].message.contains("ahead"))
            let node = try Self.decode(
                NodeStatus.self, try await client.execute(uri: "/v1/nodes/\(Fixtures.county)", method: .get))
            #expect(node.rejectedChanges == 3 && node.changesApplied == 1)
            #expect(node.lastError?.contains("clock_ahead") == true)
            let record = try await client.execute(uri: "/v1/records/population/future", method: .get)
            #expect(record.status == .notFound)
        }
    }

    @Test(.timeLimit(.minutes(1))) func conflictBetweenTwoNodesShowsBothSides() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        try await HubServer.application(hub: hub).test(.router) { client in
            let now = clock.nowMs()
            let fromCity = Fixtures.version(
                node: Fixtures.city, counter: 1, key: "p-9", value: #"{"address":"old street"}"#, hlcMs: now)
            let fromOther = Fixtures.version(
                node: Fixtures.otherCity, counter: 1, key: "p-9", value: #"{"address":"new street"}"#,
                hlcMs: now + 5)
            for (node, version) in [(Fixtures.city, fromCity), (Fixtures.otherCity, fromOther)] {
                let batch = Fixtures.batch(node: node, firstSeq: 1, [version], clockMs: now)
                #expect(try await Self.post(client, BatchCodec.encode(batch), node: node).status == .ok)
            }
            let response = try await client.execute(
                uri: "/v1/conflicts?dataset=population&key=p-9&limit=10", method: .get)
            #expect(response.status == .ok)
            struct Listing: Decodable {
                struct Side: Decodable {
                    var origin: String
                    var actor: String
                    var vector: String
                }
                struct Item: Decodable {
                    var id: Int64
                    var resolution: String
                    var dataset: String
                    var key: String
                    var winner: Side
                    var loser: Side
                }
                var conflicts: [Item]
            }
            let listing = try Self.decode(Listing.self, response)
            let conflict = try #require(listing.conflicts.first)
            #expect(listing.conflicts.count == 1)
            #expect(conflict.resolution == "lww" && conflict.dataset == "population" && conflict.key == "p-9")
            #expect(conflict.winner.origin == Fixtures.otherCity)  // the later HLC wins
            #expect(conflict.loser.origin == Fixtures.city)
            let text = String(buffer: response.body)
            #expect(text.contains("old street") && text.contains("new street"))
            let record = String(
                buffer: try await client.execute(uri: "/v1/records/population/p-9", method: .get).body)
            #expect(record.contains("new street"))
            let node = try Self.decode(
                NodeStatus.self, try await client.execute(uri: "/v1/nodes/\(Fixtures.otherCity)", method: .get))
            #expect(node.conflicts == 1)

            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("yiwang_hub_conflicts_total 1"))
            #expect(metrics.contains("yiwang_hub_changes_applied_total 2"))
            #expect(metrics.contains(#"yiwang_node_state{node="430121",state="never"} 1"#))
            #expect(metrics.contains("yiwang_hub_batch_seconds"))
            #expect(metrics.contains(#"yiwang_node_data_age_seconds{node="430100"}"#))
        }
    }

    @Test(.timeLimit(.minutes(1))) func undeclaredDatasetAndBadLimitAreClearErrors() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let hub = try Fixtures.hub(in: dir)
        try await HubServer.application(hub: hub).test(.router) { client in
            let digest = try await client.execute(uri: "/v1/datasets/finance/digest", method: .get)
            #expect(digest.status == .notFound)
            #expect(try Self.decode(ErrorJSON.self, digest).error == "unknown_dataset")
            let limit = try await client.execute(uri: "/v1/conflicts?limit=-3", method: .get)
            #expect(limit.status == .badRequest)
            #expect(try Self.decode(ErrorJSON.self, limit).field == "limit")
        }
    }
}
