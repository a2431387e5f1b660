import YiwangCore
import YiwangStore

/// The connectivity report (`GET /v1/nodes`): every expected node's state, worst first, and the roll-up.
/// `yiwangctl status` reads exactly these keys.
public struct ConnectivityReport: Codable, Sendable, Hashable {
    public struct Thresholds: Codable, Sendable, Hashable {
        public var realtimeWithinMs: Int64
        public var offlineAfterMs: Int64
        public var staleAfterMs: Int64
    }

    public struct LevelSummary: Codable, Sendable, Hashable {
        public var level: String
        public var total: Int
        public var realtime: Int
        public var lagging: Int
        public var stale: Int
        public var offline: Int
        public var never: Int
    }

    public struct Summary: Codable, Sendable, Hashable {
        /// e.g. "9 of 14 cities, 60 of 122 counties real-time".
        public var text: String
        public var levels: [LevelSummary]
    }

    public var generatedAtMs: Int64
    public var thresholds: Thresholds
    public var summary: Summary
    public var nodes: [NodeStatus]

    /// Classifies every node of the topology at `nowMs` from what the store holds.
    public init(
        topology: Topology, stored: [String: HubNodeRecord], thresholds: ConnectivityThresholds, nowMs: Int64
    ) {
        generatedAtMs = nowMs
        self.thresholds = Thresholds(
            realtimeWithinMs: thresholds.realtimeWithinMs, offlineAfterMs: thresholds.offlineAfterMs,
            staleAfterMs: thresholds.staleAfterMs)
        let statuses = topology.nodes.map { node in
            NodeStatus(node: node, stored: stored[node.id], thresholds: thresholds, nowMs: nowMs)
        }
        nodes = statuses.sorted { lhs, rhs in
            lhs.state != rhs.state ? lhs.state < rhs.state : lhs.id < rhs.id
        }
        var levels: [LevelSummary] = []
        for level in topology.levels {
            let members = statuses.filter { $0.level == level }
            func count(_ state: ConnectivityState) -> Int { members.filter { $0.state == state }.count }
            levels.append(
                LevelSummary(
                    level: level, total: members.count, realtime: count(.realtime), lagging: count(.lagging),
                    stale: count(.stale), offline: count(.offline), never: count(.never)))
        }
        let text =
            levels.map { "\($0.realtime) of \($0.total) \(Self.plural($0.level, $0.total))" }
            .joined(separator: ", ") + " real-time"
        summary = Summary(text: levels.isEmpty ? "no nodes in the topology" : text, levels: levels)
    }

    static func plural(_ word: String, _ count: Int) -> String {
        if count == 1 { return word }
        if word.hasSuffix("y"), let before = word.dropLast().last, !"aeiou".contains(before) {
            return word.dropLast() + "ies"
        }
        return word + "s"
    }
}
