import Testing
import YiwangCore

/// Who may send a node's batch: the node, or a relay above it along the topology's edges.
@Suite struct RelayRouteTests {
    static let topology: Topology = {
        let nodes = [
            Topology.Node(id: "430100", name: "City", level: "city", parent: "430000", datasets: []),
            Topology.Node(id: "430120", name: "District", level: "district", parent: "430100", datasets: []),
            Topology.Node(id: "430121", name: "County", level: "county", parent: "430120", datasets: []),
            Topology.Node(id: "430200", name: "Other", level: "city", parent: "430000", datasets: []),
        ]
        return try! Topology(hub: .init(id: "430000", name: "Hub"), nodes: nodes, policies: [:])
    }()

    static func code(_ node: String, _ sender: String, _ path: [String]?) -> String? {
        do {
            try RelayRoute.check(
                batchNode: node, sender: sender, relay: path.map { RelaySection(path: $0, receivedAtMs: 0) },
                topology: topology)
            return nil
        } catch {
            return error.code.rawValue
        }
    }

    @Test func aRelayAboveTheNodeAlongTheTreeMaySend() {
        #expect(Self.code("430121", "430121", nil) == nil)  // direct
        #expect(Self.code("430121", "430120", ["430121", "430120"]) == nil)
        #expect(Self.code("430121", "430100", ["430121", "430120", "430100"]) == nil)  // two hops
    }

    @Test(arguments: [
        ("430121", "430200", ["430121", "430200"]),  // another city's subtree
        ("430121", "430100", ["430121", "430100"]),  // skips the district: not the county's parent
        ("430100", "430121", ["430100", "430120", "430121"]),  // reversed
        ("430121", "430100", ["430121", "430120"]),  // does not end at the sender
        ("430121", "430100", ["430120", "430100"]),  // does not start at the batch's node
        ("430121", "430100", ["430121", "430120", "430100", "430000"]),  // through the hub: not the sender
        ("999999", "430100", ["999999", "430100"]),  // not in the topology at all
        ("430121", "430120", ["430121"]),  // one hop
    ])
    func anyOtherPathIsNotInTheSubtree(_ node: String, _ sender: String, _ path: [String]) {
        #expect(Self.code(node, sender, path) == "not_in_subtree")
    }

    @Test func anotherNodesBatchWithoutARelaySectionIsForbidden() {
        #expect(Self.code("430121", "430100", nil) == "forbidden")
        // Byte comparison: a Kelvin sign is not a K.
        #expect(Self.code("43012K", "43012\u{212A}", nil) == "forbidden")
    }
}
