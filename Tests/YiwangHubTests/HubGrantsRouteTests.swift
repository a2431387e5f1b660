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

/// `GET /v1/grants`: a node learns the datasets the topology grants it and their policies, its own only,
/// proven by its credential (the access table in `HubRouteAccessTests` covers every other caller).
@Suite struct HubGrantsRouteTests {
    /// A province with a node granted nothing and a node whose id has the longest allowed length.
    static let longID = String(repeating: "9", count: 64)
    static let extremesYAML = """
        hub: { id: "430000", name: "Province hub" }
        nodes:
          - { id: "430100", name: "City", level: city, parent: "430000", datasets: [social_security, population] }
          - { id: "430900", name: "Granted nothing", level: city, parent: "430000", datasets: [] }
          - { id: "\(longID)", name: "Long id", level: county, parent: "430100", datasets: [finance] }
        datasets:
          population: { policy: lww }
          social_security: { policy: siblings }
          finance: { policy: siblings }
          education: { policy: lww }
        """

    static func hub(_ dir: TemporaryDirectory, yaml: String = extremesYAML) throws -> ProvinceHub {
        var configuration = HubConfiguration()
        configuration.dataDirectory = dir.path
        return ProvinceHub(
            topology: try Topology(yaml: yaml, file: "grants-topology.yaml"),
            store: try HubStore(directory: dir.path, logger: Fixtures.logger), configuration: configuration,
            clock: ManualClock(), logger: Fixtures.logger)
    }

    static func get(_ client: some TestClientProtocol, token: String?, node: String?) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let node { headers[HubRoutes.nodeHeader] = node }
        return try await client.execute(uri: "/v1/grants", method: .get, headers: headers)
    }

    static func grants(_ response: TestResponse) throws -> NodeGrants {
        try JSONDecoder().decode(NodeGrants.self, from: Data(response.body.readableBytesView))
    }

    @Test(.timeLimit(.minutes(1))) func aNodeGetsItsOwnDatasetsAndTheirPoliciesOnly() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let hub = try Self.hub(dir)
        let city = try await hub.store.issueCredential(name: "430100", role: .node, nowMs: hub.clock.nowMs())
        let empty = try await hub.store.issueCredential(name: "430900", role: .node, nowMs: hub.clock.nowMs())
        let long = try await hub.store.issueCredential(name: Self.longID, role: .node, nowMs: hub.clock.nowMs())
        let reader = try await hub.store.issueCredential(name: "ops", role: .reader, nowMs: hub.clock.nowMs())
        try await HubServer.application(hub: hub).test(.router) { client in
            // The city: its two datasets, sorted, each with the province's policy; no other dataset's policy.
            let response = try await Self.get(client, token: city, node: nil)
            #expect(response.status == .ok)
            let text = String(buffer: response.body)
            #expect(try Self.grants(response) == NodeGrants(
                node: "430100", datasets: ["population", "social_security"],
                policies: ["population": .lww, "social_security": .siblings]))
            #expect(!text.contains("finance") && !text.contains("education"), "\(text)")
            // The same with the header naming itself.
            #expect(try Self.grants(try await Self.get(client, token: city, node: "430100")).node == "430100")

            // A node granted nothing gets an empty answer, not an error.
            let nothing = try Self.grants(try await Self.get(client, token: empty, node: nil))
            #expect(nothing.datasets.isEmpty && nothing.policies.isEmpty && nothing.node == "430900")
            // The longest node id.
            let longAnswer = try Self.grants(try await Self.get(client, token: long, node: nil))
            #expect(longAnswer.datasets == ["finance"] && longAnswer.policies == ["finance": .siblings])

            // The city's credential cannot read another node's grants; a reader's cannot read any.
            #expect(try await Self.get(client, token: city, node: Self.longID).status == .forbidden)
            #expect(try await Self.get(client, token: reader, node: "430100").status == .forbidden)
            #expect(try await Self.get(client, token: nil, node: "430100").status == .unauthorized)
        }
    }

    @Test(.timeLimit(.minutes(1))) func aTrialHubAnswersTheNamedNodeAndRefusesAnUnknownOne() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let hub = try Self.hub(dir)  // loopback, no credential issued: the claim is taken as it stands
        try await HubServer.application(hub: hub).test(.router) { client in
            let answer = try Self.grants(try await Self.get(client, token: nil, node: Self.longID))
            #expect(answer.node == Self.longID && answer.datasets == ["finance"])
            let unknown = try await Self.get(client, token: nil, node: "430999")
            #expect(unknown.status == .forbidden)
            #expect(String(buffer: unknown.body).contains("unknown_node"))
            // A Kelvin sign is not a K: node ids are their bytes.
            #expect(try await Self.get(client, token: nil, node: "43010\u{212A}").status == .forbidden)
            let unnamed = try await Self.get(client, token: nil, node: nil)
            #expect(unnamed.status == .badRequest)
            #expect(String(buffer: unnamed.body).contains("X-Yiwang-Node"))
        }
    }

    @Test func theAnswerIsWhatTheTopologyGrants() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let hub = try Self.hub(dir)
        for node in hub.topology.nodes {
            let grants = hub.grants(for: node.id)
            #expect(Set(grants.datasets) == hub.topology.grants(for: node.id))
            #expect(Set(grants.policies.keys) == Set(grants.datasets))
            for dataset in grants.datasets { #expect(grants.policies[dataset] == hub.topology.policies[dataset]) }
            #expect(try grants.validated(for: node.id) == grants)
        }
        #expect(hub.grants(for: "not-listed").datasets.isEmpty)
    }
}
