import Foundation
import GRDB
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

/// What the hub says and records about the protocol (README "Upgrade"): its version on every answer, and
/// each node's version as its batches prove it.
@Suite struct HubProtocolTests {
    static let header = ProtocolHeaderMiddleware<HubRequestContext>.headerName

    @Test(.timeLimit(.minutes(1))) func everyAnswerNamesTheHubsVersionErrorsAndNotFoundIncluded() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let hub = try Fixtures.hub(in: dir)
        try await HubServer.application(hub: hub).test(.router) { client in
            let answers: [(String, HTTPRequest.Method, [UInt8]?, HTTPResponse.Status)] = [
                ("/no/such/route", .get, nil, .notFound),
                ("/v1/nodes", .delete, nil, .notFound),
                ("/healthz", .get, nil, .ok),
                ("/v1/sync", .post, Array("YWB9 not a batch".utf8), .badRequest),
                ("/v1/sync", .post, Array("plain text".utf8), .badRequest),
                ("/v1/records/nope/key", .get, nil, .notFound),
            ]
            for (path, method, body, status) in answers {
                let response: TestResponse
                if let body {
                    response = try await client.execute(
                        uri: path, method: method, headers: [HubRoutes.nodeHeader: Fixtures.city],
                        body: ByteBuffer(bytes: body))
                } else {
                    response = try await client.execute(uri: path, method: method)
                }
                #expect(response.status == status, "\(method) \(path)")
                #expect(response.headers[Self.header] == "2", "\(method) \(path)")
            }
        }
    }

    @Test(.timeLimit(.minutes(1))) func theVersionComesFromTheBatchNotTheHeader() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        try await HubServer.application(hub: hub).test(.router) { client in
            func send(_ version: ProtocolVersion, claiming claimed: String, seq: UInt64) async throws -> HTTPResponse.Status {
                let batch = Fixtures.batch(
                    node: Fixtures.city, firstSeq: seq,
                    [Fixtures.version(node: Fixtures.city, counter: seq, key: "k\(seq)", hlcMs: clock.nowMs())],
                    clockMs: clock.nowMs())
                let headers: HTTPFields = [
                    .contentType: HubRoutes.batchContentType, HubRoutes.nodeHeader: Fixtures.city, Self.header: claimed,
                ]
                return try await client.execute(
                    uri: "/v1/sync", method: .post, headers: headers,
                    body: ByteBuffer(bytes: BatchCodec.encode(batch, version: version))
                ).status
            }
            #expect(try await send(.v1, claiming: "2", seq: 1) == .ok)
            #expect(try await hub.status(of: Fixtures.city).protocolVersion == 1)
            let firstSince = try #require(try await hub.store.nodeProtocols()[Fixtures.city]?.sinceMs)
            clock.advance(ms: 5_000)
            #expect(try await send(.v1, claiming: "2", seq: 2) == .ok)
            #expect(try await hub.store.nodeProtocols()[Fixtures.city]?.sinceMs == firstSince, "same version")
            clock.advance(ms: 5_000)
            #expect(try await send(.v2, claiming: "1", seq: 3) == .ok)
            let upgraded = try #require(try await hub.store.nodeProtocols()[Fixtures.city])
            #expect(upgraded.version == 2 && upgraded.sinceMs == firstSince + 10_000)
            #expect(try await hub.status(of: Fixtures.county).protocolVersion == nil, "never synced")
            // A batch refused as a whole records nothing: its bytes prove no version of the node's.
            let refused = try await client.execute(
                uri: "/v1/sync", method: .post, headers: [HubRoutes.nodeHeader: Fixtures.county],
                body: ByteBuffer(bytes: Array("YWB1".utf8) + [UInt8](repeating: 0, count: 20)))
            #expect(refused.status == .badRequest)
            #expect(try await hub.status(of: Fixtures.county).protocolVersion == nil)
        }
    }

    @Test func aRolloutShowsInTheTableAndAStoredOddityDoesNotTrap() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        try await hub.store.recordProtocol(node: Fixtures.city, version: .v1, nowMs: clock.nowMs())
        try await hub.store.recordProtocol(node: Fixtures.otherCity, version: .v2, nowMs: clock.nowMs())
        // Rows written by hand or by a later build: a number no version has, and extreme times.
        let queue = try DatabaseQueue(path: hub.store.path)
        try await queue.write { db in
            try db.execute(
                sql: "INSERT INTO node_protocols(node, version, since_ms) VALUES (?, ?, ?)",
                arguments: [Fixtures.county, Int64.max, Int64.min])
            try db.execute(sql: "UPDATE node_protocols SET since_ms = ? WHERE node = ?", arguments: [Int64.max, Fixtures.city])
        }
        let stored = try await hub.store.nodeProtocols()
        #expect(stored[Fixtures.county] == NodeProtocolRecord(version: 0, sinceMs: 0))
        #expect(stored[Fixtures.city]?.sinceMs == Millis.maxWallMs)
        let report = try await hub.report()
        #expect(report.nodes.first { $0.id == Fixtures.county }?.protocolVersion == nil)
        let table = report.renderTable(colour: false)
        #expect(table.hasSuffix("protocol: 1 node on 1, 1 on 2\n"), "\(table)")
        #expect(table.contains("PROTO"))
        let metrics = try await hub.metricsText()
        #expect(metrics.contains(#"yiwang_hub_nodes_by_protocol{version="1"} 1"#))
        #expect(metrics.contains(#"yiwang_hub_nodes_by_protocol{version="2"} 1"#))
    }
}
