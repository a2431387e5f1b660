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

/// Credentials, authorization, rate limits, the audit chain and blame, through the routes.
@Suite struct HubSecurityTests {
    static func post(
        _ client: some TestClientProtocol, _ batch: SyncBatch, node: String?, token: String?
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: HubRoutes.batchContentType]
        if let node { headers[HubRoutes.nodeHeader] = node }
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(
            uri: "/v1/sync", method: .post, headers: headers, body: ByteBuffer(bytes: BatchCodec.encode(batch)))
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, token: String?) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: uri, method: .get, headers: headers)
    }

    static func error(_ response: TestResponse) -> String {
        (try? JSONDecoder().decode(ErrorBody.self, from: Data(response.body.readableBytesView)))?.error ?? "-"
    }

    @Test(.timeLimit(.minutes(1))) func wrongMissingRevokedAndOtherNodesCredentials() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        let cityToken = try await hub.store.issueCredential(name: Fixtures.city, role: .node, nowMs: clock.nowMs())
        let otherToken = try await hub.store.issueCredential(
            name: Fixtures.otherCity, role: .node, nowMs: clock.nowMs())
        let reader = try await hub.store.issueCredential(name: "ops", role: .reader, nowMs: clock.nowMs())
        let batch = Fixtures.batch(
            node: Fixtures.city, firstSeq: 1, Fixtures.versions(node: Fixtures.city, count: 2, hlcMs: clock.nowMs()),
            clockMs: clock.nowMs())
        try await HubServer.application(hub: hub).test(.router) { client in
            let missing = try await Self.post(client, batch, node: Fixtures.city, token: nil)
            #expect(missing.status == .unauthorized && Self.error(missing) == "unauthorized")
            let wrong = try await Self.post(client, batch, node: Fixtures.city, token: "yw_0000")
            #expect(wrong.status == .unauthorized)
            let other = try await Self.post(client, batch, node: Fixtures.city, token: otherToken)
            #expect(other.status == .forbidden && Self.error(other) == "forbidden")
            let operatorOne = try await Self.post(client, batch, node: Fixtures.city, token: reader)
            #expect(operatorOne.status == .forbidden)
            #expect(try await hub.store.digest(dataset: "population").records == 0)  // nothing applied
            // Refusals of unproven senders move no node's report (they are audited and counted instead).
            #expect(try await hub.store.node(Fixtures.city) == nil)

            #expect(try await Self.post(client, batch, node: Fixtures.city, token: cityToken).status == .ok)
            #expect(try await Self.post(client, batch, node: nil, token: cityToken).status == .ok)  // header optional
            _ = try await hub.store.revokeCredentials(name: Fixtures.city, nowMs: clock.nowMs())
            let revoked = try await Self.post(client, batch, node: Fixtures.city, token: cityToken)
            #expect(revoked.status == .unauthorized)

            // Operators' API: reader yes, node no, nothing no; health and metrics open.
            #expect(try await Self.get(client, "/v1/nodes", token: nil).status == .unauthorized)
            #expect(try await Self.get(client, "/v1/nodes", token: otherToken).status == .forbidden)
            #expect(try await Self.get(client, "/v1/nodes", token: reader).status == .ok)
            #expect(try await Self.get(client, "/healthz", token: nil).status == .ok)
            #expect(try await Self.get(client, "/metrics", token: nil).status == .ok)

            // The downlink feed: the node's own token only.
            var pull: HTTPFields = [HubRoutes.nodeHeader: Fixtures.otherCity]
            #expect(try await client.execute(uri: "/v1/changes", method: .get, headers: pull).status == .unauthorized)
            pull[.authorization] = "Bearer \(reader)"
            #expect(try await client.execute(uri: "/v1/changes", method: .get, headers: pull).status == .forbidden)
            pull[.authorization] = "Bearer \(otherToken)"
            #expect(try await client.execute(uri: "/v1/changes", method: .get, headers: pull).status == .ok)
            pull[HubRoutes.nodeHeader] = Fixtures.city
            #expect(try await client.execute(uri: "/v1/changes", method: .get, headers: pull).status == .forbidden)

            let audit = try await hub.store.auditEntries(from: 1, limit: 1000)
            #expect(audit.filter { $0.kind == "reject_batch" }.count == 5)
            #expect(try await hub.store.verifyAudit(expecting: nil).isIntact)
        }
    }

    @Test(.timeLimit(.minutes(1))) func rotationKeepsTheOldTokenForItsGraceOnly() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        let old = try await hub.store.issueCredential(name: "ops", role: .reader, nowMs: clock.nowMs())
        let new = try await hub.store.issueCredential(
            name: "ops", role: .reader, replacingAfterMs: 60_000, nowMs: clock.nowMs())
        try await HubServer.application(hub: hub).test(.router) { client in
            let during = try await Self.get(client, "/v1/nodes", token: old)
            #expect(during.status == .ok)
            clock.advance(ms: 60_001)
            let after = try await Self.get(client, "/v1/nodes", token: old)
            #expect(after.status == .unauthorized)
            let fresh = try await Self.get(client, "/v1/nodes", token: new)
            #expect(fresh.status == .ok)
        }
    }

    @Test(.timeLimit(.minutes(1))) func otherNodesChangesAndUngrantedDatasetsAreRefusedAndAudited() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        let county = try await hub.store.issueCredential(name: Fixtures.county, role: .node, nowMs: clock.nowMs())
        let now = clock.nowMs()
        var forged = Fixtures.version(node: Fixtures.city, counter: 1, key: "forged", hlcMs: now)
        forged.vector = VersionVector([Fixtures.county: 1])
        let batch = Fixtures.batch(
            node: Fixtures.county, firstSeq: 1,
            [
                forged, Fixtures.version(node: Fixtures.county, counter: 2, dataset: "social_security", hlcMs: now),
                Fixtures.version(node: Fixtures.county, counter: 3, key: "fine", hlcMs: now),
            ], clockMs: now)
        try await HubServer.application(hub: hub).test(.router) { client in
            let response = try await Self.post(client, batch, node: Fixtures.county, token: county)
            #expect(response.status == .ok)
            let ack = try JSONDecoder().decode(SyncAck.self, from: Data(response.body.readableBytesView))
            #expect(ack.rejected.map(\.error) == ["forbidden", "unknown_dataset"])
            #expect(ack.rejected[0].message.contains("only its own"))
            #expect(try await hub.store.record(dataset: "population", key: "forged") == nil)
            #expect(try await hub.store.record(dataset: "social_security", key: "person-1") == nil)
            #expect(try await hub.store.node(Fixtures.county)?.rejectedChanges == 2)
            let kinds = try await hub.store.auditEntries(from: 1, limit: 100).map(\.kind)
            #expect(kinds.filter { $0 == "reject_change" }.count == 2 && kinds.contains("apply"))
        }
    }

    @Test(.timeLimit(.minutes(1))) func rateLimitAnswers429WithRetryAfterPerNode() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        var hub = try Fixtures.hub(in: dir, clock: clock)
        var configuration = hub.configuration
        configuration.security.rateLimitBatchesPerSecond = 1  // burst 10
        hub = ProvinceHub(
            topology: hub.topology, store: hub.store, configuration: configuration, clock: clock, logger: hub.logger)
        let empty = Fixtures.batch(node: Fixtures.city, firstSeq: 1, [], clockMs: clock.nowMs())
        try await HubServer.application(hub: hub).test(.router) { client in
            for _ in 0..<10 { #expect(try await Self.post(client, empty, node: Fixtures.city, token: nil).status == .ok) }
            let limited = try await Self.post(client, empty, node: Fixtures.city, token: nil)
            #expect(limited.status == .tooManyRequests && Self.error(limited) == "rate_limited")
            #expect(limited.headers[.retryAfter] == "1")
            let other = Fixtures.batch(node: Fixtures.otherCity, firstSeq: 1, [], clockMs: clock.nowMs())
            #expect(try await Self.post(client, other, node: Fixtures.otherCity, token: nil).status == .ok)
            clock.advance(ms: 1_000)
            #expect(try await Self.post(client, empty, node: Fixtures.city, token: nil).status == .ok)
        }
    }

    @Test(.timeLimit(.minutes(1))) func aFloodOfBadCredentialsIsBoundedInTheAuditAndDoesNotStarveTheNode()
        async throws
    {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let base = try Fixtures.hub(in: dir, clock: clock)
        var configuration = base.configuration
        configuration.security.rateLimitBatchesPerSecond = 1  // burst 10
        let hub = ProvinceHub(
            topology: base.topology, store: base.store, configuration: configuration, clock: clock, logger: base.logger)
        let token = try await hub.store.issueCredential(name: Fixtures.city, role: .node, nowMs: clock.nowMs())
        let empty = Fixtures.batch(node: Fixtures.city, firstSeq: 1, [], clockMs: clock.nowMs())
        try await HubServer.application(hub: hub).test(.router) { client in
            for _ in 0..<30 {
                let response = try await Self.post(client, empty, node: Fixtures.city, token: "yw_forged")
                #expect(response.status == .unauthorized)
            }
            let refused = try await hub.store.auditEntries(from: 1, limit: 1000).filter { $0.kind == "reject_batch" }
            #expect(refused.count == 10)
            #expect(try await hub.store.node(Fixtures.city) == nil)
            #expect(try await Self.post(client, empty, node: Fixtures.city, token: token).status == .ok)
        }
    }

    @Test(.timeLimit(.minutes(1))) func blameAfterAConflictAndTamperedCopies() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        let now = clock.nowMs()
        let a = Fixtures.version(node: Fixtures.city, counter: 1, key: "p", hlcMs: now - 2_000)
        let a2 = Fixtures.version(node: Fixtures.city, counter: 2, key: "p", hlcMs: now - 1_500)
        let b = Fixtures.version(node: Fixtures.otherCity, counter: 1, key: "p", hlcMs: now - 1_000)
        try await HubServer.application(hub: hub).test(.router) { client in
            for (node, versions) in [(Fixtures.city, [a, a2]), (Fixtures.otherCity, [b])] {
                let batch = Fixtures.batch(node: node, firstSeq: 1, versions, clockMs: now)
                #expect(try await Self.post(client, batch, node: node, token: nil).status == .ok)
            }
            let response = try await Self.get(client, "/v1/records/population/p/history", token: nil)
            #expect(response.status == .ok)
            let history = try JSONDecoder().decode(HistoryBody.self, from: Data(response.body.readableBytesView))
            #expect(history.versions.map(\.status) == [.superseded, .lost, .visible])
            #expect(history.versions.map(\.origin) == [Fixtures.city, Fixtures.city, Fixtures.otherCity])
            #expect(history.versions[2].actor == "clerk-7" && history.versions[2].valueSHA256?.count == 64)
            #expect(!String(buffer: response.body).contains("Li"))  // no values in the history
        }
        let head = try await hub.store.auditHead()
        try hub.store.close()
        let original = dir.file("hub.sqlite")
        #expect(try AuditFile.verify(path: original, expecting: head).1.isIntact)
        let tampers = [
            "UPDATE audit SET detail = replace(detail, 'clerk-7', 'clerk-8') WHERE seq = 2",
            "INSERT INTO audit(seq, at_ms, kind, node, dataset, key, detail, prev_hash, hash) "
                + "SELECT 100, at_ms, kind, node, dataset, key, detail, prev_hash, hash FROM audit WHERE seq = 1",
            "DELETE FROM audit WHERE seq = 2",
            "UPDATE audit SET seq = -seq WHERE seq IN (1, 2); UPDATE audit SET seq = 3 - (-seq) WHERE seq < 0",
        ]
        for (i, sql) in tampers.enumerated() {
            let copy = dir.file("copy-\(i).sqlite")
            try FileManager.default.copyItem(atPath: original, toPath: copy)
            if FileManager.default.fileExists(atPath: original + "-wal") {
                try FileManager.default.copyItem(atPath: original + "-wal", toPath: copy + "-wal")
            }
            let queue = try DatabaseQueue(path: copy)
            try await queue.write { db in try db.execute(sql: sql) }
            let result = try AuditFile.verify(path: copy, expecting: head).1
            #expect(!result.isIntact, "tamper \(i) not found: \(sql)")
        }
    }
}
