import YiwangCore

/// A write a node acknowledged (HTTP 200): who, where, and the version it returned. `value` is the canonical
/// JSON text (sorted keys; nil for a delete); it stays in memory and is never logged or reported.
public struct AckedWrite: Sendable, Hashable, Codable {
    public var node: String
    public var dataset: String
    public var key: String
    public var value: String?
    public var vector: String
    public var seq: UInt64
    /// When the request was sent (ms after the start).
    public var atMs: Int
    /// When its 200 arrived: the write was committed by then (requests may wait for a free client first).
    public var ackedAtMs: Int

    public init(
        node: String, dataset: String, key: String, value: String?, vector: String, seq: UInt64, atMs: Int,
        ackedAtMs: Int? = nil
    ) {
        self.node = node
        self.dataset = dataset
        self.key = key
        self.value = value
        self.vector = vector
        self.seq = seq
        self.atMs = atMs
        self.ackedAtMs = ackedAtMs ?? atMs
    }
}

/// One look at the hub's connectivity report: node id -> state, taken `atMs` after the run began (when the
/// request was sent).
public struct StateSample: Sendable, Hashable, Codable {
    public var atMs: Int
    public var states: [String: String]
    /// Node id -> the highest sequence the hub held for it (`highWater`), to catch a `realtime` while the hub
    /// lacks an acknowledged write.
    public var highWater: [String: UInt64] = [:]

    public init(atMs: Int, states: [String: String], highWater: [String: UInt64] = [:]) {
        self.atMs = atMs
        self.states = states
        self.highWater = highWater
    }
}

/// A time the hub could not hear a node, as the nemesis really applied it (not as planned).
public struct CutInterval: Sendable, Hashable, Codable {
    public var node: String
    public var startMs: Int
    public var endMs: Int
    public var label: String

    public init(node: String, startMs: Int, endMs: Int, label: String) {
        self.node = node
        self.startMs = startMs
        self.endMs = endMs
        self.label = label
    }
}

/// The hub's merged state of one record after quiescence.
public struct HubRecord: Sendable, Hashable, Codable {
    public var vector: String
    public var value: String?
    public var deleted: Bool

    public init(vector: String, value: String?, deleted: Bool) {
        self.vector = vector
        self.value = value
        self.deleted = deleted
    }
}

/// One node's counters after quiescence: the hub's (`changesApplied`, `highWater`) and its own (`highestSeq`).
public struct NodeCounters: Sendable, Hashable, Codable {
    public var changesApplied: UInt64
    public var highWater: UInt64
    public var highestSeq: UInt64
    public var backlog: Int

    public init(changesApplied: UInt64, highWater: UInt64, highestSeq: UInt64, backlog: Int) {
        self.changesApplied = changesApplied
        self.highWater = highWater
        self.highestSeq = highestSeq
        self.backlog = backlog
    }
}

/// Everything the checker needs: the history of the run and the final states once quiet.
public struct ScenarioObservation: Sendable {
    public var acked: [AckedWrite] = []
    public var samples: [StateSample] = []
    public var cuts: [CutInterval] = []
    /// When a node ran with its clock off (the clock-skew nemesis), as applied.
    public var skews: [CutInterval] = []
    /// When everything was healed (ms after the start).
    public var healedAtMs = 0
    /// `dataset/key` -> the hub's record (absent: the hub has no such record); keyed by bytes (`ByteKey`).
    public var hubRecords: [ByteKey: HubRecord] = [:]
    public var nodes: [String: NodeCounters] = [:]
    /// The losers in the hub's conflict log, as `outboxEntry` names (`dataset/key@vector`).
    public var conflictLosers: Set<ByteKey> = []
    /// Replica name (`hub`, or a node id) -> dataset -> digest text.
    public var digests: [String: [String: String]] = [:]
    /// Whether the nodes apply the hub's change feed (downlink): then node digests must equal the hub's.
    public var downlink = false
    /// Datasets whose replicas must agree; nil: every dataset. Differences elsewhere are noted, not failed.
    public var enforcedDatasets: Set<String>?
    /// Node id -> its outbox read offline after the run: seq -> `dataset/key@vector` (nil: not read).
    public var outboxes: [String: [UInt64: String]]?
    /// SQLite file -> `PRAGMA integrity_check` answer.
    public var integrity: [String: String] = [:]

    public init() {}

    public static func recordKey(_ dataset: String, _ key: String) -> String { "\(dataset)/\(key)" }

    /// How an outbox entry is named for the checker: the same write always gives the same text.
    public static func outboxEntry(_ dataset: String, _ key: String, _ vector: String) -> String {
        "\(dataset)/\(key)@\(vector)"
    }
}
