/// The hub's judgement of who may send a node's batch: the node itself, or a relay above it that proves the
/// way by the topology. A relay may forward only for its own subtree, and only along the tree's edges: the path
/// starts at the batch's node, ends at the authenticated sender, and each hop is the parent of the one before.
public enum RelayRoute {
    /// Throws unless `sender` may send `batchNode`'s batch carrying `relay` (nil: a direct batch).
    /// Node ids compare as bytes.
    public static func check(batchNode: String, sender: String, relay: RelaySection?, topology: Topology)
        throws(YiwangError)
    {
        guard let relay else {
            guard ByteKey.equal(batchNode, sender) else {
                throw .forbidden(
                    "batch is for node '\(batchNode)' but was sent as '\(sender)' without a relay section")
            }
            return
        }
        guard let first = relay.path.first, ByteKey.equal(first, batchNode) else {
            throw .notInSubtree(
                "the relay path starts at '\(relay.path.first ?? "")', not at the batch's node '\(batchNode)'")
        }
        guard let last = relay.path.last, ByteKey.equal(last, sender) else {
            throw .notInSubtree(
                "the relay path ends at '\(relay.path.last ?? "")', but the batch was sent by '\(sender)'")
        }
        guard relay.path.count >= 2 else {
            throw .notInSubtree("a node's own batch carries no relay section")
        }
        for (child, parent) in zip(relay.path, relay.path.dropFirst()) {
            guard let node = topology.node(child), ByteKey.equal(node.parent, parent) else {
                throw .notInSubtree(
                    "'\(parent)' is not the parent of '\(child)' in the topology: '\(sender)' may relay only for "
                        + "its own subtree")
            }
        }
    }
}
