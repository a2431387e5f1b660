import YiwangCore

/// One node in the connectivity report (`GET /v1/nodes/{id}`). Absent values are JSON `null`, not missing.
public struct NodeStatus: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var level: String
    public var parent: String
    public var state: ConnectivityState
    /// Hub clock, ms; nil if never seen.
    public var lastContactMs: Int64?
    /// Now minus the time up to which the hub holds all the node's changes; nil if unknown.
    public var dataAgeMs: Int64?
    public var backlog: UInt64
    /// Changes the hub refused that the node holds quarantined (the hub lacks them; never `realtime`).
    public var quarantined: UInt64
    public var changesApplied: UInt64
    public var conflicts: UInt64
    public var rejectedBatches: UInt64
    public var rejectedChanges: UInt64
    /// The node's clock minus the hub's.
    public var clockOffsetMs: Int64
    public var highWater: UInt64
    /// Changes held back because their vectors count another node beyond what the hub holds of it (not yet
    /// merged). Optional only so that a report from an older hub still decodes.
    public var held: UInt64?
    public var lastError: String?
    /// When `lastError` happened (hub clock, ms); nil if never.
    public var lastErrorAtMs: Int64?
    /// The downlink: the feed cursor the node last pulled from; nil if it never pulled.
    public var downlinkCursor: Int64?
    /// The hub's feed head minus `downlinkCursor` (versions the node has yet to scan); nil if it never pulled.
    public var downlinkLag: Int64?
    /// When the node last pulled the feed (hub clock, ms); nil if never.
    public var lastPullMs: Int64?
    /// The snapshot the node is paging (its downlink bootstrap), as the hub served it: the snapshot's feed
    /// position and the pages served so far; nil when it is not paging one (and in a report from an older hub).
    public var snapshotPosition: Int64?
    public var snapshotPages: Int64?
    /// The sync protocol version of the node's last applied batch, from its bytes (README "Upgrade"); nil
    /// before its first batch to a hub of version 2 or later (and in a report from an older hub).
    public var protocolVersion: Int?
    /// The way the node's last report came, from the node to the hub inclusive: `["430121","430100","430000"]`
    /// relayed by its city, `["430300","430000"]` direct; nil for a node never seen (and from an older hub).
    public var path: [String]?

    /// The relay that delivered the node's last report (the hop after the node); nil when it came direct.
    public var via: String? { (path?.count ?? 0) > 2 ? path?[1] : nil }

    /// A node as the report shows one never seen: state `never`, every counter zero, every time unknown.
    public init(id: String, name: String, level: String, parent: String) {
        self.id = id
        self.name = name
        self.level = level
        self.parent = parent
        state = .never
        backlog = 0
        quarantined = 0
        changesApplied = 0
        conflicts = 0
        rejectedBatches = 0
        rejectedChanges = 0
        clockOffsetMs = 0
        highWater = 0
    }

    private enum CodingKeys: String, CodingKey {
        case id, name, level, parent, state, lastContactMs, dataAgeMs, backlog, quarantined, changesApplied, conflicts
        case rejectedBatches, rejectedChanges, clockOffsetMs, highWater, held, lastError, lastErrorAtMs
        case downlinkCursor, downlinkLag, lastPullMs, protocolVersion, snapshotPosition, snapshotPages, path
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(level, forKey: .level)
        try container.encode(parent, forKey: .parent)
        try container.encode(state, forKey: .state)
        try container.encode(lastContactMs, forKey: .lastContactMs)  // null when never seen
        try container.encode(dataAgeMs, forKey: .dataAgeMs)
        try container.encode(backlog, forKey: .backlog)
        try container.encode(quarantined, forKey: .quarantined)
        try container.encode(changesApplied, forKey: .changesApplied)
        try container.encode(conflicts, forKey: .conflicts)
        try container.encode(rejectedBatches, forKey: .rejectedBatches)
        try container.encode(rejectedChanges, forKey: .rejectedChanges)
        try container.encode(clockOffsetMs, forKey: .clockOffsetMs)
        try container.encode(highWater, forKey: .highWater)
        try container.encode(held ?? 0, forKey: .held)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(lastErrorAtMs, forKey: .lastErrorAtMs)
        try container.encode(downlinkCursor, forKey: .downlinkCursor)
        try container.encode(downlinkLag, forKey: .downlinkLag)
        try container.encode(lastPullMs, forKey: .lastPullMs)
        try container.encode(protocolVersion, forKey: .protocolVersion)
        try container.encode(snapshotPosition, forKey: .snapshotPosition)
        try container.encode(snapshotPages, forKey: .snapshotPages)
        try container.encode(path, forKey: .path)  // null when never seen
    }
}
