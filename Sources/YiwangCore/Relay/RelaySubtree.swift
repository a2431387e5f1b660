/// What the hub hands a relaying city (`GET /v1/relay/subtree`, for the city's own node credential): every
/// descendant of the city in the topology, with what the city needs to serve it while cut off from the
/// province: its parent, its datasets and their policies, the SHA-256 of each of its node credentials with
/// the time that credential stops being accepted, and its registered public keys (Ed25519, once the hub
/// registers them with credentials; empty until then). Never a token: a copy of the city's database holds no
/// usable credential. A county asking gets an empty list (it has no descendants).
public struct RelaySubtree: Sendable, Hashable, Codable {
    /// Most nodes one answer may list; an answer past it is refused, not truncated.
    public static let maxNodes = 10_000
    /// Most credentials per node (a rotation keeps the old one valid for a grace period).
    public static let maxCredentialsPerNode = 64

    /// One node credential, as the hub stores it.
    public struct Credential: Sendable, Hashable, Codable {
        /// Hex SHA-256 of the token (`CredentialToken.hash`), 64 lowercase hex digits.
        public var sha256: String
        /// Not accepted from this time on (hub clock, ms); nil while valid.
        public var revokedAtMs: Int64?

        public init(sha256: String, revokedAtMs: Int64?) {
            self.sha256 = sha256
            self.revokedAtMs = revokedAtMs
        }

        /// True when the credential is accepted at `nowMs`.
        public func isValid(atMs nowMs: Int64) -> Bool { revokedAtMs.map { nowMs < $0 } ?? true }
    }

    /// One descendant of the relaying city.
    public struct Node: Sendable, Hashable, Codable {
        public var id: String
        public var parent: String
        /// Sorted by their bytes, without duplicates.
        public var datasets: [String]
        public var credentials: [Credential]
        /// The node's registered signing public keys (base64 Ed25519), from the `signing` work; empty until the
        /// hub registers keys with credentials. Carried so that a relay can check a change's signature.
        public var publicKeys: [String]

        public init(id: String, parent: String, datasets: [String], credentials: [Credential], publicKeys: [String] = [])
        {
            self.id = id
            self.parent = parent
            self.datasets = Set(datasets).sorted { ByteKey.less($0, $1) }
            self.credentials = credentials
            self.publicKeys = publicKeys
        }
    }

    /// The relaying city the subtree is for.
    public var node: String
    /// Its descendants, in topology order.
    public var nodes: [Node]
    /// The province's policy of each dataset granted to a node of `nodes`.
    public var policies: [String: MergePolicy]

    public init(node: String, nodes: [Node], policies: [String: MergePolicy]) {
        self.node = node
        self.nodes = nodes
        self.policies = policies
    }

    /// The descendants of `node` in `topology` (children, their children, ...), each with its credentials
    /// from `credentials` (by node id) and its public keys from `publicKeys`.
    public static func of(
        _ node: String, in topology: Topology, credentials: [String: [Credential]],
        publicKeys: [String: [String]] = [:]
    ) -> RelaySubtree {
        var inside: Set<ByteKey> = [ByteKey(node)]
        var found: [Topology.Node] = []
        // Parents may be listed after their children: repeat until nothing is added (bounded by the depth).
        var added = true
        while added {
            added = false
            for candidate in topology.nodes
            where !inside.contains(ByteKey(candidate.id)) && inside.contains(ByteKey(candidate.parent)) {
                inside.insert(ByteKey(candidate.id))
                found.append(candidate)
                added = true
            }
        }
        let order = Dictionary(uniqueKeysWithValues: topology.nodes.enumerated().map { (ByteKey($1.id), $0) })
        found.sort { (order[ByteKey($0.id)] ?? 0) < (order[ByteKey($1.id)] ?? 0) }
        let datasets = Set(found.flatMap(\.datasets))
        return RelaySubtree(
            node: node,
            nodes: found.map {
                Node(id: $0.id, parent: $0.parent, datasets: $0.datasets, credentials: credentials[$0.id] ?? [],
                    publicKeys: publicKeys[$0.id] ?? [])
            },
            policies: topology.policies.filter { datasets.contains($0.key) })
    }

    /// This answer checked as one for the relaying city `expected` (a hub's answer, or the copy stored from
    /// one): the city by bytes, bounded counts, valid ids and dataset names, a node listed once and never the
    /// city itself, a policy for every dataset, hashes of 64 hex digits, times in range. Errors name the field.
    public func validated(for expected: String) throws(YiwangError) -> RelaySubtree {
        guard ByteKey.equal(node, expected) else {
            throw .invalidField("node", "the subtree is for node '\(node.prefix(64))', not for this node '\(expected)'")
        }
        guard nodes.count <= Self.maxNodes else { throw .invalidField("nodes", "more than \(Self.maxNodes) nodes") }
        var seen: Set<ByteKey> = [ByteKey(expected)]
        for entry in nodes {
            try Validation.nodeID(entry.id, field: "nodes.id")
            try Validation.nodeID(entry.parent, field: "nodes.parent")
            guard seen.insert(ByteKey(entry.id)).inserted else {
                throw .invalidField("nodes.id", "node '\(entry.id)' is listed twice, or is the relay itself")
            }
            guard entry.datasets.count <= NodeGrants.maxDatasets else {
                throw .invalidField("nodes.datasets", "node '\(entry.id)' has more than \(NodeGrants.maxDatasets)")
            }
            for dataset in entry.datasets {
                try Validation.dataset(dataset, field: "nodes.datasets")
                guard policies[dataset] != nil else {
                    throw .invalidField("policies", "dataset '\(dataset)' of node '\(entry.id)' has no policy")
                }
            }
            guard entry.credentials.count <= Self.maxCredentialsPerNode else {
                throw .invalidField("nodes.credentials", "node '\(entry.id)' has over \(Self.maxCredentialsPerNode)")
            }
            for credential in entry.credentials {
                guard credential.sha256.utf8.count == 64,
                    credential.sha256.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
                else {
                    throw .invalidField("nodes.credentials.sha256", "node '\(entry.id)': not 64 lowercase hex digits")
                }
                if let revoked = credential.revokedAtMs, !Millis.wallRange.contains(revoked) {
                    throw .invalidField("nodes.credentials.revokedAtMs", "node '\(entry.id)': outside 0...year 9999")
                }
            }
            guard entry.publicKeys.count <= Self.maxCredentialsPerNode,
                entry.publicKeys.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 256 })
            else {
                throw .invalidField("nodes.publicKeys", "node '\(entry.id)': too many keys, or one empty or too long")
            }
        }
        return self
    }

    /// The descendant holding the credential whose token hashes to `tokenHash`, valid at `nowMs`; nil when no
    /// descendant has it. A revoked credential of a descendant is reported as such (`revoked`).
    public func authenticate(tokenHash: String, nowMs: Int64) -> Authentication {
        for entry in nodes {
            for credential in entry.credentials where ByteKey.equal(credential.sha256, tokenHash) {
                return credential.isValid(atMs: nowMs) ? .node(entry) : .revoked(entry.id)
            }
        }
        return .unknown
    }

    public enum Authentication: Sendable, Hashable {
        case node(Node)
        case revoked(String)
        case unknown
    }
}
