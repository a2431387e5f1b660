import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import YiwangAPI
import YiwangCore
import YiwangHub
import YiwangStore
import YiwangTesting

/// Issue 13, class 2 at the hub: a batch with any numeric field at its extremes is answered (applied or
/// refused), the hub keeps running, and the report and `/metrics` still answer, now and after a restart.
@Suite struct HubNumericExtremesTests {
    static func post(_ client: some TestClientProtocol, _ bytes: [UInt8]) async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/sync", method: .post,
            headers: [.contentType: HubRoutes.batchContentType, HubRoutes.nodeHeader: Fixtures.city],
            body: ByteBuffer(bytes: bytes))
    }

    /// The report and the metrics answer, and the report's numbers are sane.
    static func expectReportAnswers(_ client: some TestClientProtocol, _ context: String) async throws {
        let nodes = try await client.execute(uri: "/v1/nodes", method: .get)
        #expect(nodes.status == .ok, "\(context)")
        let report = try JSONDecoder().decode(ConnectivityReport.self, from: Data(nodes.body.readableBytesView))
        for node in report.nodes {
            if let age = node.dataAgeMs { #expect(age >= 0, "\(context)") }
            if let contact = node.lastContactMs { #expect(Millis.wallRange.contains(contact), "\(context)") }
        }
        let one = try await client.execute(uri: "/v1/nodes/\(Fixtures.city)", method: .get)
        #expect(one.status == .ok, "\(context)")
        let metrics = try await client.execute(uri: "/metrics", method: .get)
        #expect(metrics.status == .ok, "\(context)")
        #expect(String(buffer: metrics.body).contains("yiwang_node_data_age_seconds"), "\(context)")
    }

    @Test(
        "a batch with one numeric field at each extreme is answered and the report still answers",
        .timeLimit(.minutes(2)), arguments: RawBatch.Field.allCases)
    func oneFieldAtItsExtremes(_ field: RawBatch.Field) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        try await HubServer.application(hub: hub).test(.router) { client in
            var seq: UInt64 = 1
            // Each extreme with an honest clock, and with a node clock reading 1970 (offset -now), the pair
            // that overflowed `nodeMs - offset` in the applier.
            for (value, nodeClock) in RawBatch.extremes.flatMap({ [($0, UInt64(clock.nowMs())), ($0, UInt64(0))] }) {
                var batch = RawBatch(node: Fixtures.city, nowMs: clock.nowMs())
                batch.clock = nodeClock
                batch.firstSeq = seq
                batch.vectorCounter = seq
                batch.key = "key-\(seq)"
                let response = try await Self.post(client, batch.setting(field, to: value).encoded())
                #expect([200, 400].contains(response.status.code), "\(field) = \(value): \(response.status)")
                clock.advance(ms: 1)
                if response.status == .ok {
                    let ack = try JSONDecoder().decode(SyncAck.self, from: Data(response.body.readableBytesView))
                    seq = ack.highWater + 1
                }
                try await Self.expectReportAnswers(client, "\(field) = \(value)")
            }
        }
    }

    @Test("seeded mixes of extremes in every field: the hub answers them all", .timeLimit(.minutes(3)))
    func seededMixes() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        var rng = SplitMix64(seed: 2026)
        let mixes = (0..<150).map { round in
            RawBatch.Field.allCases.compactMap { field -> (RawBatch.Field, UInt64)? in
                Int.random(in: 0..<3, using: &rng) == 0 ? (field, RawBatch.extremes.randomElement(using: &rng)!) : nil
            }
        }
        try await HubServer.application(hub: hub).test(.router) { client in
            for (round, mix) in mixes.enumerated() {
                var batch = RawBatch(node: Fixtures.city, nowMs: clock.nowMs())
                batch.key = "mix-\(round)"
                for (field, value) in mix { batch = batch.setting(field, to: value) }
                let response = try await Self.post(client, batch.encoded())
                #expect([200, 400].contains(response.status.code), "round \(round): \(response.status)")
                clock.advance(ms: 1_000)
            }
            try await Self.expectReportAnswers(client, "after the mixes")
        }
    }

    @Test(
        "extreme values already stored in a node row (as an older version could have) do not stop the report",
        .timeLimit(.minutes(1)))
    func storedExtremesAfterRestart() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let first = try Fixtures.hub(in: dir, clock: clock)
        let batch = Fixtures.batch(
            node: Fixtures.city, firstSeq: 1, Fixtures.versions(node: Fixtures.city, count: 1, hlcMs: clock.nowMs()),
            clockMs: clock.nowMs())
        try await HubServer.application(hub: first).test(.router) { client in
            let response = try await Self.post(client, BatchCodec.encode(batch))
            #expect(response.status == .ok)
        }
        try first.store.close()
        let rows: [[String: DatabaseValue]] = [
            ["last_contact_ms": Int64.min.databaseValue, "data_as_of_ms": Int64.max.databaseValue,
             "clock_offset_ms": Int64.min.databaseValue, "oldest_pending_ms": Int64.min.databaseValue,
             "backlog": Int64.min.databaseValue, "high_water": Int64.min.databaseValue,
             "last_error_at_ms": Int64.max.databaseValue],
            ["last_contact_ms": Int64.max.databaseValue, "data_as_of_ms": Int64.min.databaseValue,
             "clock_offset_ms": Int64.max.databaseValue, "oldest_pending_ms": Int64.max.databaseValue,
             "changes_applied": Int64.min.databaseValue],
            ["last_contact_ms": "not a number".databaseValue, "data_as_of_ms": (1.5e300).databaseValue,
             "clock_offset_ms": "x".databaseValue],
        ]
        for row in rows {
            let queue = try DatabaseQueue(path: dir.file("hub.sqlite"))
            try await queue.write { db in
                for (column, value) in row {
                    try db.execute(
                        sql: "UPDATE nodes SET \(column) = ? WHERE id = ?", arguments: [value, Fixtures.city])
                }
                try db.execute(
                    sql: "INSERT OR REPLACE INTO downlinks(node, cursor, last_pull_ms) VALUES (?, ?, ?)",
                    arguments: [Fixtures.city, Int64.min, Int64.min])
            }
            try queue.close()
            let hub = try Fixtures.hub(in: dir, clock: clock)
            try await HubServer.application(hub: hub).test(.router) { client in
                try await Self.expectReportAnswers(client, "stored \(row.keys.sorted())")
                // The node can still sync after the restart.
                let beat = Fixtures.batch(node: Fixtures.city, firstSeq: 2, [], clockMs: clock.nowMs())
                let response = try await Self.post(client, BatchCodec.encode(beat))
                #expect(response.status == .ok)
                try await Self.expectReportAnswers(client, "stored \(row.keys.sorted()), then a heartbeat")
            }
            try hub.store.close()
        }
    }
}
