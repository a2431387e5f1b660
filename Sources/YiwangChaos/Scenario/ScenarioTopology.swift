/// One expected node of a scenario's province: a city, or a county under a city.
public struct ScenarioNode: Sendable, Hashable, Codable {
    public var id: String
    public var level: String
    public var parent: String

    public init(id: String, level: String, parent: String) {
        self.id = id
        self.level = level
        self.parent = parent
    }
}

/// The province a scenario runs: about a third of the nodes are cities, the rest counties spread over them.
/// Every node holds every dataset, so writes to shared keys collide across nodes and levels.
public struct ScenarioTopology: Sendable, Hashable, Codable {
    public static let hubID = "430000"
    /// Dataset name and merge policy.
    public static let datasets: [(name: String, policy: String)] = [("population", "lww"), ("social_security", "siblings")]

    public var nodes: [ScenarioNode]

    public init(nodes: [ScenarioNode]) { self.nodes = nodes }

    /// `count` nodes: cities 430100, 430200, ...; counties 430102, 430103, ... under them, round-robin.
    public static func make(nodes count: Int) -> ScenarioTopology {
        let total = max(1, count)
        let cities = max(1, (total + 2) / 3)
        var nodes = (0..<cities).map { ScenarioNode(id: cityID($0), level: "city", parent: hubID) }
        for index in 0..<(total - cities) {
            let city = index % cities
            let county = 2 + index / cities
            nodes.append(ScenarioNode(id: cityID(city).dropLast(2) + pad(county), level: "county", parent: cityID(city)))
        }
        return ScenarioTopology(nodes: nodes)
    }

    public var ids: [String] { nodes.map(\.id) }
    public var cities: [String] { nodes.filter { $0.level == "city" }.map(\.id) }
    public func counties(of city: String) -> [String] { nodes.filter { $0.parent == city }.map(\.id) }
    public static var datasetNames: [String] { datasets.map(\.name) }

    /// The hub's topology file.
    public var yaml: String {
        var out = "hub: { id: \"\(Self.hubID)\", name: \"Chaos province hub\" }\nnodes:\n"
        let granted = Self.datasetNames.joined(separator: ", ")
        for node in nodes {
            out += "  - { id: \"\(node.id)\", name: \"Node \(node.id)\", level: \(node.level), "
            out += "parent: \"\(node.parent)\", datasets: [\(granted)] }\n"
        }
        out += "datasets:\n"
        for dataset in Self.datasets { out += "  \(dataset.name): { policy: \(dataset.policy) }\n" }
        return out
    }

    /// The edges' config file: the same merge policy per dataset as the hub's topology.
    public static var edgePoliciesYAML: String {
        "policies:\n" + datasets.map { "  \($0.name): \($0.policy)\n" }.joined()
    }

    private static func cityID(_ index: Int) -> String { "43" + pad(index + 1) + "00" }
    private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n % 100)" }
}
