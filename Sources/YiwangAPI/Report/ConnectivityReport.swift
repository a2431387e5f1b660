import YiwangCore

/// The connectivity report (`GET /v1/nodes`): every expected node's state, worst first, and the roll-up.
/// The hub builds it (`YiwangHub`, from its topology and store) and writes it (`jsonBytes()`); `yiwangctl status`
/// decodes exactly these keys.
public struct ConnectivityReport: Codable, Sendable, Hashable {
    public struct Thresholds: Codable, Sendable, Hashable {
        public var realtimeWithinMs: Int64
        public var offlineAfterMs: Int64
        public var staleAfterMs: Int64

        public init(_ thresholds: ConnectivityThresholds) {
            realtimeWithinMs = thresholds.realtimeWithinMs
            offlineAfterMs = thresholds.offlineAfterMs
            staleAfterMs = thresholds.staleAfterMs
        }
    }

    public struct LevelSummary: Codable, Sendable, Hashable {
        public var level: String
        public var total: Int
        public var realtime: Int
        public var lagging: Int
        public var stale: Int
        public var offline: Int
        public var never: Int

        /// Counts the states of `members`, the nodes of `level`.
        public init(level: String, members: [NodeStatus]) {
            func count(_ state: ConnectivityState) -> Int { members.filter { $0.state == state }.count }
            self.level = level
            total = members.count
            realtime = count(.realtime)
            lagging = count(.lagging)
            stale = count(.stale)
            offline = count(.offline)
            never = count(.never)
        }
    }

    public struct Summary: Codable, Sendable, Hashable {
        /// e.g. "9 of 14 cities, 60 of 122 counties real-time".
        public var text: String
        public var levels: [LevelSummary]

        /// The roll-up of `levels`, in their order.
        public init(levels: [LevelSummary]) {
            self.levels = levels
            let text =
                levels.map { "\($0.realtime) of \($0.total) \(Self.plural($0.level, $0.total))" }
                .joined(separator: ", ") + " real-time"
            self.text = levels.isEmpty ? "no nodes in the topology" : text
        }

        static func plural(_ word: String, _ count: Int) -> String {
            if count == 1 { return word }
            if word.hasSuffix("y"), let before = word.dropLast().last, !"aeiou".contains(before) {
                return word.dropLast() + "ies"
            }
            return word + "s"
        }
    }

    public var generatedAtMs: Int64
    public var thresholds: Thresholds
    public var summary: Summary
    public var nodes: [NodeStatus]

    /// A report of `nodes` (sorted here, worst state first, then by id) rolled up by `levels`.
    public init(generatedAtMs: Int64, thresholds: ConnectivityThresholds, levels: [String], nodes: [NodeStatus]) {
        self.generatedAtMs = generatedAtMs
        self.thresholds = Thresholds(thresholds)
        self.nodes = nodes.sorted { lhs, rhs in
            lhs.state != rhs.state ? lhs.state < rhs.state : lhs.id < rhs.id
        }
        summary = Summary(
            levels: levels.map { level in LevelSummary(level: level, members: nodes.filter { $0.level == level }) })
    }
}

extension ConnectivityState: Codable {}
