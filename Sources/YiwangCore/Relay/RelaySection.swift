/// What a relay adds to a batch it forwards for a node of its subtree (protocol 3): the way the batch came and
/// when the relay received the origin's report. The batch itself (node, sequences, changes, report) is the
/// origin's, unchanged.
public struct RelaySection: Hashable, Sendable {
    /// The longest path accepted: a province's tree is three levels deep; sixteen is room to spare.
    public static let maxHops = 16

    /// From the origin (the batch's node) to the sender, each hop the child of the next, e.g.
    /// `["430121", "430100"]`; at least two hops, no node twice.
    public var path: [String]
    /// The sender's clock (ms) when it received the origin's report: the clock its own reports are in (an
    /// edge's hub-referenced time, README "Clocks"), not the hub's.
    public var receivedAtMs: Int64

    public init(path: [String], receivedAtMs: Int64) {
        self.path = path
        self.receivedAtMs = receivedAtMs
    }

    /// The node that sent the batch to the hub (the last hop).
    public var sender: String? { path.last }
}
