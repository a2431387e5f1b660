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

/// A province upgrades over weeks: today's hub keeps accepting nodes of the previous build. The batches are
/// the bytes a real `yiwang-edge` of commit 043bed4 sent (Fixtures/protocol-1/README.md says how they were
/// recorded), replayed through the hub's real routes, and the hub must do what the 043bed4 hub did with them:
/// the same acknowledgements, records, digest and audit entries, and report the node as protocol 1.
@Suite struct ProtocolOneReplayTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/protocol-1")
    /// In the order sent, with the high water the 043bed4 hub acknowledged for each.
    static let recorded: [(file: String, highWater: UInt64)] = [
        ("01-heartbeat", 0), ("02-put", 1), ("03-put-cjk", 2), ("04-delete", 3), ("05-put-not-granted", 4),
        ("06-heartbeat-quarantine-tail", 4), ("07-bulk-40", 44), ("08-heartbeat", 44),
    ]
    /// The 043bed4 hub's digest of `population` after the batches.
    static let oldHubDigest = "603d208e4e7ab1a816e7f59daaf80fd600059aa915bb76fad9da0f4b772aaabf"
    /// Just after the recording (the changes' HLCs are of that day; the hub refuses clocks far ahead of its own).
    static let recordedAtMs: Int64 = 1_796_195_480_000

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name + ".ywb")))
    }

    static func post(_ client: some TestClientProtocol, _ bytes: [UInt8]) async throws -> TestResponse {
        let headers: HTTPFields = [
            .contentType: HubRoutes.batchContentType, HubRoutes.nodeHeader: Fixtures.county,
            ProtocolHeaderMiddleware<HubRequestContext>.headerName: "1",  // ignored: the hub reads the magic
        ]
        return try await client.execute(uri: "/v1/sync", method: .post, headers: headers, body: ByteBuffer(bytes: bytes))
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
    }

    @Test func theRecordingsAreVersionOneBatchesOfTheCounty() throws {
        var next: UInt64 = 1
        for (file, _) in Self.recorded {
            let bytes = try Self.bytes(file)
            #expect(Array(bytes.prefix(4)) == Array("YWB1".utf8), "\(file)")
            let batch = try BatchCodec.decode(bytes)
            #expect(batch.node == Fixtures.county && batch.skip == nil)
            if !batch.changes.isEmpty {
                #expect(batch.firstSeq == next, "\(file)")
                next += UInt64(batch.changes.count)
            }
        }
        #expect(next == 45)
        #expect(try BatchCodec.decode(Self.bytes("06-heartbeat-quarantine-tail")).report.quarantined == 1)
        let cjk = try BatchCodec.decode(Self.bytes("03-put-cjk")).changes[0].version
        #expect(Array(cjk.key.utf8) == Array("户籍-2".utf8) && cjk.actor == "张科员")
    }

    @Test(.timeLimit(.minutes(1))) func todaysHubAppliesThemAsThePreviousHubDid() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock(Self.recordedAtMs)
        let hub = try Fixtures.hub(in: dir, clock: clock)
        try await HubServer.application(hub: hub).test(.router) { client in
            for (file, highWater) in Self.recorded {
                let response = try await Self.post(client, try Self.bytes(file))
                #expect(response.status == .ok, "\(file): \(String(buffer: response.body))")
                #expect(response.headers[ProtocolHeaderMiddleware<HubRequestContext>.headerName] == "2")
                let ack = try JSONDecoder().decode(SyncAck.self, from: Data(response.body.readableBytesView))
                #expect(ack.highWater == highWater && ack.expectedSeq == nil, "\(file)")
                if file == "05-put-not-granted" {
                    #expect(ack.rejected.map(\.seq) == [4] && ack.rejected.first?.error == "unknown_dataset")
                } else {
                    #expect(ack.rejected.isEmpty, "\(file)")
                }
                clock.advance(ms: 1_000)
            }

            // The records: a put, a CJK key and value, a delete, and nothing of the refused dataset.
            let cjkPath = "户籍-2".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let cjk = try Self.json(try await client.execute(uri: "/v1/records/population/\(cjkPath)", method: .get))
            #expect(cjk["key"] as? String == "户籍-2")
            #expect((cjk["value"] as? [String: Any])?["address"] as? String == "湖南省长沙市岳麓区")
            #expect(((cjk["versions"] as? [[String: Any]])?.first)?["actor"] as? String == "张科员")
            let deleted = try Self.json(try await client.execute(uri: "/v1/records/population/person-1", method: .get))
            #expect(deleted["deleted"] as? Bool == true && deleted["vector"] as? String == "430121:3")
            let bulk = try Self.json(try await client.execute(uri: "/v1/records/population/bulk-40", method: .get))
            #expect((bulk["value"] as? [String: Any])?["城市"] as? String == "长沙")
            let refused = try await client.execute(uri: "/v1/records/social_security/ss-9", method: .get)
            #expect(refused.status == .notFound)
            let digest = try Self.json(try await client.execute(uri: "/v1/datasets/population/digest", method: .get))
            #expect(digest["digest"] as? String == Self.oldHubDigest && digest["records"] as? Int == 42)

            // The report: the node's counts, its quarantine from the tail, and its protocol version.
            let node = try Self.json(try await client.execute(uri: "/v1/nodes/\(Fixtures.county)", method: .get))
            #expect(node["protocolVersion"] as? Int == 1)
            #expect(node["highWater"] as? Int == 44 && node["changesApplied"] as? Int == 43)
            #expect(node["rejectedChanges"] as? Int == 1 && node["rejectedBatches"] as? Int == 0)
            #expect(node["quarantined"] as? Int == 1 && node["backlog"] as? Int == 0)
            let report = try Self.json(try await client.execute(uri: "/v1/nodes", method: .get))
            let others = (report["nodes"] as? [[String: Any]] ?? []).filter { $0["id"] as? String != Fixtures.county }
            #expect(others.count == 2 && others.allSatisfy { $0["protocolVersion"] is NSNull })

            // The audit: entry for entry what the 043bed4 hub wrote, and an intact chain.
            let page = try JSONDecoder().decode(
                AuditPage.self,
                from: Data(try await client.execute(uri: "/v1/audit?from=1&limit=1000", method: .get).body.readableBytesView))
            let expected = try String(contentsOf: Self.directory.appendingPathComponent("expected-audit.jsonl"), encoding: .utf8)
                .split(separator: "\n").map { line in
                    try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
                }
            #expect(page.entries.count == expected.count)
            for (entry, want) in zip(page.entries, expected) {
                #expect(
                    [entry.kind, entry.node, entry.dataset, entry.key, entry.detail]
                        == [want["kind"], want["node"], want["dataset"], want["key"], want["detail"]],
                    "audit entry \(entry.seq)")
            }
            let verify = try Self.json(try await client.execute(uri: "/v1/audit/verify", method: .get))
            #expect(verify["intact"] as? Bool == true && verify["checked"] as? Int == expected.count)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"yiwang_hub_nodes_by_protocol{version="1"} 1"#))
            #expect(metrics.contains(#"yiwang_hub_nodes_by_protocol{version="2"} 0"#))

            // The node is upgraded: its next batch, in today's version, moves it to protocol 2.
            let upgraded = Fixtures.batch(
                node: Fixtures.county, firstSeq: 45,
                [Fixtures.version(node: Fixtures.county, counter: 45, key: "after-upgrade", hlcMs: clock.nowMs())],
                clockMs: clock.nowMs())
            let answer = try await Self.post(client, BatchCodec.encode(upgraded))
            #expect(answer.status == .ok)
            let after = try Self.json(try await client.execute(uri: "/v1/nodes/\(Fixtures.county)", method: .get))
            #expect(after["protocolVersion"] as? Int == 2 && after["highWater"] as? Int == 45)
            let table = try await hub.report().renderTable(colour: false)
            #expect(!table.contains("protocol:"), "one version left: no rollout line")
        }
        #expect(try await hub.store.nodeProtocols()[Fixtures.county]?.version == 2)
    }
}
