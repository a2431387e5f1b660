/// What the hub keeps about one node between batches: its sync position, its last report and its counters
/// (the `nodes` row the store reads before a batch and writes after it). Times are hub-clock milliseconds.
public struct NodeBookkeeping: Sendable, Hashable {
    public var id: String
    /// The highest sequence the hub holds for the node (applied, duplicate, held, or refused and recorded).
    public var highWater: UInt64 = 0
    /// When the hub last heard from the node; nil if never.
    public var lastContactMs: Int64?
    /// The time up to which the hub is known to hold all the node's changes; nil if unknown.
    public var dataAsOfMs: Int64?
    /// Outbox entries still pending at the node after its last batch.
    public var backlog: UInt64 = 0
    /// The commit time of the node's oldest still-pending entry; nil when nothing is pending.
    public var oldestPendingMs: Int64?
    /// The node's clock minus the hub's, at its last contact.
    public var clockOffsetMs: Int64 = 0
    /// The clock the node's reports are in (its hub-referenced time) minus the hub's, at its last contact:
    /// `clockOffsetMs` without the node's own skew. A relay's receive times are converted by it.
    public var reportClockOffsetMs: Int64 = 0
    public var changesApplied: UInt64 = 0
    public var conflicts: UInt64 = 0
    public var rejectedBatches: UInt64 = 0
    public var rejectedChanges: UInt64 = 0
    /// The last rejection or standing note, never carrying record values.
    public var lastError: String?
    public var lastErrorAtMs: Int64?
    /// Changes the hub refused that the node holds quarantined, from its last report: the hub lacks them.
    public var quarantined: UInt64 = 0
    /// Commit time (hub clock) of the node's oldest quarantined change; nil if none.
    public var oldestQuarantinedMs: Int64?
    /// The way the node's last report came, from the node to the relay that delivered it (`RelaySection.path`);
    /// nil when it came direct.
    public var relayPath: [String]?

    /// A node the hub has never heard from.
    public init(id: String) { self.id = id }
}
