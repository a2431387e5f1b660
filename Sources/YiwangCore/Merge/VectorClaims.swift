/// What a change's vector claims, judged against what the receiving hub holds.
///
/// A node's counter for itself is its outbox sequence, so "the hub holds node M's changes through counter c" is
/// exactly "the hub's high water for M is at least c". A vector is a claim about history; the hub accepts it
/// only as far as it can check it (DESIGN.md "A node may submit only its own changes"):
/// - its own entry must be exactly the change's sequence (a node speaks only for itself);
/// - it may count no node outside the topology, and never the hub itself (the hub writes no versions);
/// - an entry for another node M beyond what the hub holds of M cannot be merged as if it were true (it would
///   make M's later, independent writes look obsolete): the change waits until the hub holds M through it.
public enum VectorClaim: Hashable, Sendable {
    /// Every counter is one the hub holds (or the change's own): merge it.
    case holds
    /// The vector counts `node` at `counter`, beyond what the hub holds of it: hold the change back.
    case waits(node: String, counter: UInt64)
    /// A claim that can never come true: refuse the change on its own.
    case impossible(YiwangError)
}

/// Who may appear in a vector the hub receives.
public struct ClaimScope: Sendable, Hashable {
    /// The hub's own id (never a counter in any vector); nil when unknown (tools, benchmarks).
    public var hubID: String?
    /// Every node of the topology; nil accepts any node id (tools, benchmarks).
    public var nodes: Set<String>?

    public init(hubID: String?, nodes: Set<String>?) {
        self.hubID = hubID
        self.nodes = nodes
    }

    /// No topology known: only the sender's own entry and the high waters are checked.
    public static let open = ClaimScope(hubID: nil, nodes: nil)
}

public enum VectorClaims {
    /// Judges `change` (from `change.version.origin`) against `scope` and `heldThrough(node)`, the hub's high
    /// water for a node. Node ids are validated ASCII (`Validation.nodeID`) before this, so `String` equality
    /// is byte equality here.
    public static func check(_ change: Change, scope: ClaimScope, heldThrough: (String) throws -> UInt64)
        rethrows -> VectorClaim
    {
        let origin = change.version.origin
        var wait: (node: String, counter: UInt64)?
        for entry in change.version.vector.entries {
            if entry.node == origin {
                guard entry.counter == change.seq else {
                    return .impossible(
                        .invalidVector(
                            "the vector counts its own node '\(origin)' at \(entry.counter), not at the change's "
                                + "sequence \(change.seq)"))
                }
                continue
            }
            if let hub = scope.hubID, entry.node == hub {
                return .impossible(.invalidVector("the vector counts the hub '\(hub)', which writes no versions"))
            }
            if let nodes = scope.nodes, !nodes.contains(entry.node) {
                return .impossible(.invalidVector("the vector counts node '\(entry.node)', not in the topology"))
            }
            if wait == nil, entry.counter > (try heldThrough(entry.node)) {
                wait = (entry.node, entry.counter)
            }
        }
        if let wait { return .waits(node: wait.node, counter: wait.counter) }
        return .holds
    }
}
