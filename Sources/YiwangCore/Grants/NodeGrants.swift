/// What the province grants one node (`GET /v1/grants` on the hub): the datasets the topology lists for it
/// and the merge policy of each, so the node merges exactly as the hub does. The hub answers a node only with
/// its own grants; the node checks the answer (`validated(for:)`) before it changes anything.
public struct NodeGrants: Sendable, Hashable, Codable {
    /// Most datasets one answer may grant; an answer past it is refused, not truncated.
    public static let maxDatasets = 4_096

    /// The node the grants are for.
    public var node: String
    /// Sorted by their bytes, without duplicates.
    public var datasets: [String]
    /// The province's policy of each granted dataset, and of no other.
    public var policies: [String: MergePolicy]

    public init(node: String, datasets: some Sequence<String>, policies: [String: MergePolicy]) {
        self.node = node
        let unique = Set(datasets)
        self.datasets = unique.sorted { ByteKey.less($0, $1) }
        self.policies = policies.filter { unique.contains($0.key) }
    }

    /// The grants of `node` as a topology states them: its datasets, each with its policy (the topology's
    /// validation guarantees every granted dataset is declared).
    public static func granting(
        node: String, datasets: Set<String>, declared policies: [String: MergePolicy]
    ) -> NodeGrants {
        NodeGrants(node: node, datasets: datasets, policies: policies.filter { datasets.contains($0.key) })
    }

    /// These grants checked as an answer for `expected` (a hub's answer, or the copy stored from one): the
    /// node is `expected` (by bytes), every dataset a valid name, listed once and with a policy. Policies of
    /// datasets not granted are dropped. Errors name the field at fault.
    public func validated(for expected: String) throws(YiwangError) -> NodeGrants {
        guard Array(node.utf8) == Array(expected.utf8) else {
            throw .invalidField("node", "the grants are for node '\(node.prefix(64))', not for this node '\(expected)'")
        }
        guard datasets.count <= Self.maxDatasets else {
            throw .invalidField("datasets", "more than \(Self.maxDatasets) datasets granted")
        }
        var seen: Set<ByteKey> = []
        for dataset in datasets {
            try Validation.dataset(dataset, field: "datasets")
            guard seen.insert(ByteKey(dataset)).inserted else {
                throw .invalidField("datasets", "dataset '\(dataset)' is granted twice")
            }
            guard policies[dataset] != nil else {
                throw .invalidField("policies", "granted dataset '\(dataset)' has no policy")
            }
        }
        return NodeGrants(node: node, datasets: datasets, policies: policies)
    }
}

extension MergePolicy: Codable {}
