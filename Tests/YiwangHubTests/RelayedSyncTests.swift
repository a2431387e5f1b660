import Foundation
import HummingbirdTesting
import Testing
import YiwangAPI
import YiwangCore
import YiwangHTTP
import YiwangHub
import YiwangStore
import YiwangTesting

/// A city relays its counties' batches to the hub (issue 16): accepted only along the topology's edges, applied
/// per origin as if direct, and audited with the way they came.
@Suite struct RelayedSyncTests {
    static let county = Fixtures.county  // 430121, under 430100
    static let hubID = "430000"

    /// The hub with node credentials for both cities and the county (so every sender is proven).
    struct Province: Sendable {
        let dir: TemporaryDirectory
        let clock: ManualClock
        let hub: ProvinceHub
        let tokens: [String: String]

        init() async throws {
            dir = try TemporaryDirectory()
            clock = ManualClock()
            hub = try Fixtures.hub(in: dir, clock: clock)
            var tokens: [String: String] = [:]
            for node in [Fixtures.city, Fixtures.otherCity, Fixtures.county] {
                tokens[node] = try await hub.store.issueCredential(name: node, role: .node, nowMs: clock.nowMs())
            }
            self.tokens = tokens
        }
    }

    static func relayed(_ batch: SyncBatch, path: [String], receivedAtMs: Int64) -> SyncBatch {
        var batch = batch
        batch.relay = RelaySection(path: path, receivedAtMs: receivedAtMs)
        return batch
    }

    /// The county's changes `firstSeq...`: the same content for a sequence whichever way and whenever it is sent.
    static func countyBatch(firstSeq: UInt64, count: Int, clockMs: Int64) -> SyncBatch {
        Fixtures.batch(
            node: county, firstSeq: firstSeq,
            Fixtures.versions(node: county, count: count, from: firstSeq, hlcMs: 1_799_999_000_000), clockMs: clockMs)
    }

    static func send(
        _ client: some TestClientProtocol, _ batch: SyncBatch, as sender: String, _ province: Province
    ) async throws -> TestResponse {
        try await HubSecurityTests.post(client, batch, node: sender, token: province.tokens[sender])
    }

    static func ack(_ response: TestResponse) throws -> SyncAck {
        try JSONDecoder().decode(SyncAck.self, from: Data(response.body.readableBytesView))
    }

    static func nodeJSON(_ client: some TestClientProtocol, _ id: String, _ province: Province) async throws
        -> NodeStatus
    {
        let reader = try await province.hub.store.issueCredential(
            name: "ops-\(UUID().uuidString.prefix(8))", role: .reader, nowMs: province.clock.nowMs())
        let response = try await HubSecurityTests.get(client, "/v1/nodes/\(id)", token: reader)
        return try JSONDecoder().decode(NodeStatus.self, from: Data(response.body.readableBytesView))
    }

    @Test(.timeLimit(.minutes(1))) func aCityRelaysForItsCountyAppliedPerOriginAndResentHarmlessly() async throws {
        let province = try await Province()
        defer { province.dir.remove() }
        let now = province.clock.nowMs()
        let batch = Self.relayed(
            Self.countyBatch(firstSeq: 1, count: 3, clockMs: now), path: [Self.county, Fixtures.city],
            receivedAtMs: now)
        try await HubServer.application(hub: province.hub).test(.router) { client in
            let response = try await Self.send(client, batch, as: Fixtures.city, province)
            #expect(response.status == .ok)
            #expect(try Self.ack(response).highWater == 3)  // the county's high water: what the province holds

            let county = try #require(try await province.hub.store.node(Self.county))
            #expect(county.highWater == 3 && county.changesApplied == 3 && county.rejectedChanges == 0)
            #expect(try await province.hub.store.node(Fixtures.city) == nil)  // the city's own row is untouched
            let record = try #require(try await province.hub.store.record(dataset: "population", key: "key-2"))
            #expect(record.visible.first?.origin == Self.county)

            let applies = try await province.hub.store.auditEntries(from: 1, limit: 100).filter { $0.kind == "apply" }
            #expect(applies.count == 3)
            #expect(applies.allSatisfy { $0.node == Self.county })
            #expect(applies.allSatisfy { $0.detail.contains(#""path":["430121","430100","430000"]"#) })

            let status = try await Self.nodeJSON(client, Self.county, province)
            #expect(status.path == [Self.county, Fixtures.city, Self.hubID])
            #expect(status.via == Fixtures.city && status.state == .realtime)

            // Resent (the city lost the answer): a duplicate, nothing applied or audited twice.
            let digest = try await province.hub.store.digest(dataset: "population")
            let again = try await Self.send(client, batch, as: Fixtures.city, province)
            #expect(try again.status == .ok && Self.ack(again).highWater == 3)
            #expect(try await province.hub.store.digest(dataset: "population") == digest)
            #expect(try await province.hub.store.node(Self.county)?.changesApplied == 3)
            #expect(
                try await province.hub.store.auditEntries(from: 1, limit: 100).filter { $0.kind == "apply" }.count == 3)
        }
    }

    @Test(.timeLimit(.minutes(1))) func aPathThatLiesIsRefusedAuditedAndChangesNothing() async throws {
        let province = try await Province()
        defer { province.dir.remove() }
        let now = province.clock.nowMs()
        let countyBatch = Self.countyBatch(firstSeq: 1, count: 2, clockMs: now)
        let cityBatch = Fixtures.batch(
            node: Fixtures.city, firstSeq: 1, Fixtures.versions(node: Fixtures.city, count: 1, hlcMs: now - 1_000),
            clockMs: now)
        let cases: [(String, SyncBatch, String, String)] = [
            // The other city relays a county outside its subtree.
            ("outside the subtree", Self.relayed(countyBatch, path: [Self.county, Fixtures.otherCity], receivedAtMs: now),
             Fixtures.otherCity, "not_in_subtree"),
            // A true path, but sent with another city's credential.
            ("not ending at the sender", Self.relayed(countyBatch, path: [Self.county, Fixtures.city], receivedAtMs: now),
             Fixtures.otherCity, "not_in_subtree"),
            // The county "relays" for its city: the order of the tree reversed.
            ("wrong order", Self.relayed(cityBatch, path: [Fixtures.city, Self.county], receivedAtMs: now),
             Self.county, "not_in_subtree"),
            // A hop that is not the previous one's parent (the county's parent is 430100, not 430200).
            ("hop not a parent",
             Self.relayed(countyBatch, path: [Self.county, Fixtures.otherCity, Fixtures.city], receivedAtMs: now),
             Fixtures.city, "not_in_subtree"),
            ("not starting at the batch's node",
             Self.relayed(countyBatch, path: [Fixtures.otherCity, Fixtures.city], receivedAtMs: now),
             Fixtures.city, "not_in_subtree"),
            ("a relay path on a node's own batch",
             Self.relayed(cityBatch, path: [Fixtures.city, Self.hubID], receivedAtMs: now), Fixtures.city,
             "not_in_subtree"),
            ("another node's batch without a relay section", countyBatch, Fixtures.city, "forbidden"),
        ]
        try await HubServer.application(hub: province.hub).test(.router) { client in
            for (index, (name, batch, sender, code)) in cases.enumerated() {
                let response = try await Self.send(client, batch, as: sender, province)
                #expect(response.status == .forbidden, "\(name)")
                #expect(HubSecurityTests.error(response) == code, "\(name)")
                // Audited as a refused batch of the sender, counted in its report.
                let refusals = try await province.hub.store.auditEntries(from: 1, limit: 100)
                    .filter { $0.kind == "reject_batch" }
                #expect(refusals.count == index + 1, "\(name)")
                #expect(refusals.last?.node == sender, "\(name)")
                #expect(refusals.last?.detail.contains(code) == true, "\(name)")
            }
            #expect(try await province.hub.store.digest(dataset: "population").records == 0)  // nothing applied
            #expect(try await province.hub.store.node(Self.county)?.highWater ?? 0 == 0)
            #expect(try await province.hub.store.node(Fixtures.otherCity)?.rejectedBatches == 2)
        }
    }

    /// The county moves between its city and the hub, and both ways deliver overlapping stretches of its
    /// stream: each change is applied once, none is lost.
    @Test(.timeLimit(.minutes(1))) func aReparentedCountyLosesAndDuplicatesNothing() async throws {
        let province = try await Province()
        defer { province.dir.remove() }
        let clock = province.clock
        try await HubServer.application(hub: province.hub).test(.router) { client in
            // (first seq, count, relayed?)
            let steps: [(UInt64, Int, Bool)] = [
                (1, 3, false), (1, 5, true), (4, 4, false), (6, 6, true), (12, 1, false), (9, 6, true), (15, 2, false),
            ]
            var highest: UInt64 = 0
            for (first, count, relayed) in steps {
                clock.advance(ms: 1_000)
                let now = clock.nowMs()
                let direct = Self.countyBatch(firstSeq: first, count: count, clockMs: now)
                let batch = relayed
                    ? Self.relayed(direct, path: [Self.county, Fixtures.city], receivedAtMs: now - 200) : direct
                let response = try await Self.send(
                    client, batch, as: relayed ? Fixtures.city : Self.county, province)
                #expect(response.status == .ok)
                highest = max(highest, first + UInt64(count) - 1)
                #expect(try Self.ack(response).highWater == highest)
                #expect(try Self.ack(response).rejected.isEmpty)
            }
            let county = try #require(try await province.hub.store.node(Self.county))
            #expect(county.highWater == 16 && county.changesApplied == 16)
            #expect(county.rejectedChanges == 0 && county.rejectedBatches == 0)
            #expect(try await province.hub.store.digest(dataset: "population").records == 16)
            let applies = try await province.hub.store.auditEntries(from: 1, limit: 1_000).filter { $0.kind == "apply" }
            #expect(applies.count == 16)
            #expect(Set(applies.map(\.key)).count == 16)
            // The last batch came direct: so does the report's path.
            #expect(try await Self.nodeJSON(client, Self.county, province).path == [Self.county, Self.hubID])
        }
    }
}
