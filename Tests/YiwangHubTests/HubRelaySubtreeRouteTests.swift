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

/// `GET /v1/relay/subtree`: a city learns its own counties' credential hashes, never another's subtree; a
/// county gets an empty list (the access table in `HubRouteAccessTests` covers every other caller).
@Suite struct HubRelaySubtreeRouteTests {
    static let yaml = """
        hub: { id: "430000", name: "Province hub" }
        nodes:
          - { id: "430100", name: "City", level: city, parent: "430000", datasets: [population] }
          - { id: "430121", name: "County", level: county, parent: "430100", datasets: [population, finance] }
          - { id: "430200", name: "Other city", level: city, parent: "430000", datasets: [population] }
          - { id: "430221", name: "Other county", level: county, parent: "430200", datasets: [population] }
        datasets:
          population: { policy: lww }
          finance: { policy: siblings }
        """

    static func get(_ client: some TestClientProtocol, token: String?, node: String? = nil) async throws
        -> TestResponse
    {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let node { headers[HubRoutes.nodeHeader] = node }
        return try await client.execute(uri: "/v1/relay/subtree", method: .get, headers: headers)
    }

    @Test(.timeLimit(.minutes(1))) func aCityGetsItsCountiesHashesOnly() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var configuration = HubConfiguration()
        configuration.dataDirectory = dir.path
        let clock = ManualClock()
        let hub = ProvinceHub(
            topology: try Topology(yaml: Self.yaml), store: try HubStore(directory: dir.path, logger: Fixtures.logger),
            configuration: configuration, clock: clock, logger: Fixtures.logger)
        let now = clock.nowMs()
        let city = try await hub.store.issueCredential(name: "430100", role: .node, nowMs: now)
        let county = try await hub.store.issueCredential(name: "430121", role: .node, nowMs: now)
        let otherCounty = try await hub.store.issueCredential(name: "430221", role: .node, nowMs: now)
        let reader = try await hub.store.issueCredential(name: "430121", role: .reader, nowMs: now)
        try await HubServer.application(hub: hub).test(.router) { client in
            let response = try await Self.get(client, token: city)
            #expect(response.status == .ok)
            let text = String(buffer: response.body)
            let subtree = try JSONCoding.decoder.decode(RelaySubtree.self, from: Data(response.body.readableBytesView))
            #expect(try subtree.validated(for: "430100") == subtree)
            #expect(subtree.nodes.map(\.id) == ["430121"] && subtree.nodes[0].datasets == ["finance", "population"])
            // Only the county's node credential, as its hash: never a token, never the reader one of that name.
            #expect(subtree.nodes[0].credentials.map(\.sha256) == [CredentialToken.hash(county)])
            #expect(!text.contains(county) && !text.contains(CredentialToken.hash(reader)))
            #expect(!text.contains(CredentialToken.hash(otherCounty)) && !text.contains("430221"))
            #expect(subtree.policies == ["population": .lww, "finance": .siblings])
            #expect(text.contains("\"publicKeys\""), "the field for registered public keys is there: \(text)")

            // A county has no counties; a city cannot ask as another; a reader is refused.
            let countyAnswer = try await Self.get(client, token: county)
            let empty = try JSONCoding.decoder.decode(RelaySubtree.self, from: Data(countyAnswer.body.readableBytesView))
            #expect(countyAnswer.status == .ok && empty.nodes.isEmpty && empty.node == "430121")
            #expect(try await Self.get(client, token: city, node: "430200").status == .forbidden)
            #expect(try await Self.get(client, token: reader).status == .forbidden)
            #expect(try await Self.get(client, token: nil).status == .unauthorized)
        }
        // A revoked county credential leaves the city's list at its revocation time.
        _ = try await hub.store.revokeCredentials(name: "430121", nowMs: now)
        #expect(try await hub.relaySubtree(for: "430100").nodes[0].credentials.isEmpty)
    }
}
