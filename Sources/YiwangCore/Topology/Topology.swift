/// The province as the hub expects it (DESIGN.md "Topology"): the hub, every node with its level, parent
/// and granted datasets, and each dataset's merge policy. Validated when loaded.
public struct Topology: Sendable, Hashable {
    public struct Hub: Sendable, Hashable {
        public var id: String
        public var name: String
        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    public struct Node: Sendable, Hashable {
        public var id: String
        public var name: String
        /// `city`, `county`, ...: the roll-up groups nodes by level.
        public var level: String
        /// The hub's id or another node's id.
        public var parent: String
        public var datasets: [String]
        public init(id: String, name: String, level: String, parent: String, datasets: [String]) {
            self.id = id
            self.name = name
            self.level = level
            self.parent = parent
            self.datasets = datasets
        }
    }

    public var hub: Hub
    /// In file order.
    public var nodes: [Node]
    /// Every declared dataset and its policy.
    public var policies: [String: MergePolicy]
    private var index: [ByteKey: Int]  // node ids by their bytes: "\u{212A}1" is not "K1"

    /// Builds and validates a topology; `file` only names the source in errors.
    public init(hub: Hub, nodes: [Node], policies: [String: MergePolicy], file: String? = nil) throws(YiwangError) {
        self.hub = hub
        self.nodes = nodes
        self.policies = policies
        self.index = [:]
        try validate(file: file)
        for (position, node) in nodes.enumerated() { index[ByteKey(node.id)] = position }
    }

    public func node(_ id: String) -> Node? {
        index[ByteKey(id)].map { nodes[$0] }
    }

    /// The datasets `node` may send; empty for a node not in the topology.
    public func grants(for node: String) -> Set<String> {
        Set(self.node(node)?.datasets ?? [])
    }

    /// Levels in roll-up order: `city`, `county`, then any others alphabetically.
    public var levels: [String] {
        let present = Set(nodes.map(\.level))
        let known = ["province", "city", "county"].filter(present.contains)
        return known + present.subtracting(known).sorted()
    }

    private func validate(file: String?) throws(YiwangError) {
        func fail(_ key: String, _ why: String) -> YiwangError { .invalidConfig(file: file, key: key, why) }
        do { try Validation.nodeID(hub.id, field: "hub.id") } catch { throw fail("hub.id", error.message) }
        for (name, _) in policies {
            do { try Validation.dataset(name) } catch { throw fail("datasets.\(name)", error.message) }
        }
        var seen: Set<String> = [hub.id]
        for (position, node) in nodes.enumerated() {
            let key = "nodes[\(position)]"
            do { try Validation.nodeID(node.id) } catch {
                throw fail("\(key).id", "node id '\(node.id)': \(error.message)")
            }
            guard seen.insert(node.id).inserted else {
                throw fail("\(key).id", "node '\(node.id)' is listed twice (or is the hub's id)")
            }
            guard !node.level.isEmpty else { throw fail("\(key).level", "node '\(node.id)' has no level") }
            for dataset in node.datasets where policies[dataset] == nil {
                throw fail(
                    "\(key).datasets", "node '\(node.id)': dataset '\(dataset)' is not declared under datasets")
            }
        }
        let ids = Set(nodes.map(\.id))
        for (position, node) in nodes.enumerated() where node.parent != hub.id && !ids.contains(node.parent) {
            throw fail(
                "nodes[\(position)].parent",
                "node '\(node.id)': parent '\(node.parent)' is neither the hub nor a listed node")
        }
        for (position, node) in nodes.enumerated() where node.parent == node.id {
            throw fail("nodes[\(position)].parent", "node '\(node.id)' is its own parent")
        }
    }
}
