/// What the hub's rules for a node's batch depend on besides the node and the batch: the province's
/// datasets and who may appear in a vector, the time, and the bounds.
public struct HubBatchRules: Sendable, Hashable {
    public struct Limits: Sendable, Hashable {
        /// How far ahead of the hub's clock a change's HLC may be before it is refused.
        public var maxClockAheadMs: Int64
        /// Held changes per node; beyond it a change that would wait is refused (`heldLimit`) instead.
        public var maxHeldPerNode: Int
        /// Held bytes (encoded versions) per node; beyond it a change that would wait is refused instead.
        public var maxHeldBytesPerNode: Int

        public init(maxClockAheadMs: Int64, maxHeldPerNode: Int, maxHeldBytesPerNode: Int) {
            self.maxClockAheadMs = maxClockAheadMs
            self.maxHeldPerNode = maxHeldPerNode
            self.maxHeldBytesPerNode = maxHeldBytesPerNode
        }
    }

    /// Each dataset's merge policy (a dataset missing here merges as `lww`).
    public var policies: [String: MergePolicy]
    /// The datasets the topology grants to the batch's node.
    public var grants: Set<String>
    /// Who may appear in a vector (issue 13, class 3: see `VectorClaims`).
    public var scope: ClaimScope
    /// The hub's wall clock.
    public var nowMs: Int64
    public var limits: Limits

    public init(
        policies: [String: MergePolicy], grants: Set<String>, scope: ClaimScope = .open, nowMs: Int64,
        limits: Limits
    ) {
        self.policies = policies
        self.grants = grants
        self.scope = scope
        self.nowMs = nowMs
        self.limits = limits
    }
}

/// How many changes a node has held back, and their encoded bytes (the store's `held_changes`).
public struct HeldUsage: Sendable, Hashable {
    public var count: Int
    public var bytes: Int

    public init(count: Int, bytes: Int) {
        self.count = count
        self.bytes = bytes
    }

    public static let none = HeldUsage(count: 0, bytes: 0)
}
