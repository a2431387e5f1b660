import YiwangCore

/// One fault the nemesis injects. Network faults act on the nodes' proxies; process faults on the daemons.
public enum NemesisAction: Sendable, Hashable, Codable {
    /// The nodes' links are cut: `blackhole` (packets vanish, requests time out) or `down` (refused, reset).
    case partition(nodes: [String], kind: PartitionKind, direction: FaultDirection)
    /// Latency (with jitter) on the nodes' links.
    case latency(nodes: [String], ms: Int)
    /// Responses cut after the hub applied the batch (`limit_data` downstream): the node never hears.
    case cutResponses(node: String)
    /// SIGKILL of an edge; restarted when the event ends.
    case killEdge(node: String)
    /// SIGSTOP of an edge; SIGCONT when the event ends.
    case pauseEdge(node: String)
    /// SIGKILL of the hub; restarted on the same port when the event ends.
    case killHub
    /// The edge restarted under libfaketime with its wall clock `offsetMs` off; restarted right when it ends.
    case skewEdge(node: String, offsetMs: Int)
    /// SIGSTOP of the hub; SIGCONT when the event ends.
    case pauseHub

    public enum PartitionKind: String, Sendable, Hashable, Codable { case blackhole, down }

    /// Whether the hub cannot hear `node` while the action lasts (for the connectivity check).
    public func cutsOff(_ node: String) -> Bool {
        switch self {
        case .partition(let nodes, _, let direction): nodes.contains(node) && direction != .downstream
        case .killEdge(let target), .pauseEdge(let target): target == node
        case .latency, .cutResponses, .killHub, .skewEdge, .pauseHub: false
        }
    }

    public var isPartition: Bool { if case .partition = self { true } else { false } }
    public var isKill: Bool {
        switch self {
        case .killEdge, .killHub: true
        default: false
        }
    }
}

/// A fault at a time: starts `startMs` after the run began and lasts `durationMs`. `label` names the scenario
/// shape (`node`, `city`, `half`, `one_way`, `flap`, `kill_edge`, ...).
public struct NemesisEvent: Sendable, Hashable, Codable {
    public var startMs: Int
    public var durationMs: Int
    public var label: String
    public var action: NemesisAction

    public init(startMs: Int, durationMs: Int, label: String, action: NemesisAction) {
        self.startMs = startMs
        self.durationMs = durationMs
        self.label = label
        self.action = action
    }

    public var endMs: Int { startMs + durationMs }
}

/// The nemesis schedule of a run, generated from the seed alone: the same seed, topology and duration always
/// give the same events. No I/O.
public struct NemesisSchedule: Sendable, Hashable, Codable {
    public var seed: UInt64
    public var events: [NemesisEvent]

    public init(seed: UInt64, events: [NemesisEvent]) {
        self.seed = seed
        self.events = events
    }

    public var partitions: Int { events.filter(\.action.isPartition).count }
    public var clockSkews: Int { events.filter { if case .skewEdge = $0.action { true } else { false } }.count }
    public var kills: Int { events.filter(\.action.isKill).count }

    /// Events from 0.5 s to about 80% of `durationMs`, a new one every 0.3-1.5 s; process faults on one
    /// target never overlap (a paused edge is not also killed, the hub is killed once at a time).
    ///
    /// With `clock`, one node is also restarted with its clock hours off (±1-3 h) and the hub is frozen
    /// (SIGSTOP) once, drawn from a second generator so the other events of a seed stay as they were.
    public static func generate(
        seed: UInt64, topology: ScenarioTopology, durationMs: Int, clock: Bool = true
    ) -> NemesisSchedule {
        var rng = SplitMix64(seed: seed)
        var events: [NemesisEvent] = []
        var busyUntil: [String: Int] = [:]  // process faults per target ("hub" for the hub)
        let lastStart = max(600, durationMs * 8 / 10)
        var time = 500
        while time < lastStart {
            let length = Int.random(in: 1_500...6_000, using: &rng)
            let shape = Int.random(in: 0..<100, using: &rng)
            let node = topology.ids.randomElement(using: &rng)!
            let free = (busyUntil[node] ?? 0) <= time
            switch shape {
            case 0..<14:
                let kind: NemesisAction.PartitionKind = Bool.random(using: &rng) ? .blackhole : .down
                events.append(.init(startMs: time, durationMs: length, label: "node",
                                    action: .partition(nodes: [node], kind: kind, direction: .both)))
            case 14..<24:
                let city = topology.cities.randomElement(using: &rng)!
                events.append(.init(startMs: time, durationMs: length, label: "city",
                                    action: .partition(nodes: [city] + topology.counties(of: city), kind: .blackhole,
                                                       direction: .both)))
            case 24..<32:
                let half = Array(topology.ids.shuffled(using: &rng).prefix(max(1, topology.ids.count / 2))).sorted()
                events.append(.init(startMs: time, durationMs: length, label: "half",
                                    action: .partition(nodes: half, kind: .blackhole, direction: .both)))
            case 32..<42:
                let direction: FaultDirection = Bool.random(using: &rng) ? .upstream : .downstream
                events.append(.init(startMs: time, durationMs: length, label: "one_way",
                                    action: .partition(nodes: [node], kind: .blackhole, direction: direction)))
            case 42..<50:
                var at = time
                for _ in 0..<Int.random(in: 3...5, using: &rng) {
                    let on = Int.random(in: 200...800, using: &rng)
                    events.append(.init(startMs: at, durationMs: on, label: "flap",
                                        action: .partition(nodes: [node], kind: .down, direction: .both)))
                    at += on + Int.random(in: 200...800, using: &rng)
                }
            case 50..<58:
                events.append(.init(startMs: time, durationMs: length, label: "latency",
                                    action: .latency(nodes: [node], ms: Int.random(in: 50...400, using: &rng))))
            case 58..<68:
                events.append(.init(startMs: time, durationMs: length, label: "cut_responses",
                                    action: .cutResponses(node: node)))
            case 68..<82 where free:
                events.append(.init(startMs: time, durationMs: length / 2, label: "kill_edge", action: .killEdge(node: node)))
                busyUntil[node] = time + length / 2 + 1_500
            case 82..<92 where free:
                events.append(.init(startMs: time, durationMs: length, label: "pause_edge", action: .pauseEdge(node: node)))
                busyUntil[node] = time + length + 500
            case 92..<100 where (busyUntil["hub"] ?? 0) <= time:
                events.append(.init(startMs: time, durationMs: length / 2, label: "kill_hub", action: .killHub))
                busyUntil["hub"] = time + length / 2 + 3_000
            default:
                break
            }
            time += Int.random(in: 300...1_500, using: &rng)
        }
        if clock { events += clockEvents(seed: seed, topology: topology, durationMs: durationMs, around: events) }
        return NemesisSchedule(seed: seed, events: events.sorted { ($0.startMs, $0.label) < ($1.startMs, $1.label) })
    }

    /// A clock-skew restart of one node and a SIGSTOP of the hub, each at a time free of the other process
    /// faults on its target.
    static func clockEvents(seed: UInt64, topology: ScenarioTopology, durationMs: Int, around events: [NemesisEvent])
        -> [NemesisEvent]
    {
        var rng = SplitMix64(seed: seed ^ 0xC10C_5EED)
        let lastStart = max(600, durationMs * 7 / 10)
        func free(_ target: String?, from start: Int, to end: Int) -> Bool {
            events.allSatisfy { event in
                let same: Bool
                switch event.action {
                case .killEdge(let node), .pauseEdge(let node): same = node == target
                case .killHub: same = target == nil
                default: same = false
                }
                return !same || event.endMs + 1_500 < start || end + 1_500 < event.startMs
            }
        }
        var added: [NemesisEvent] = []
        let node = topology.ids.randomElement(using: &rng)!
        let hours = Int.random(in: 1...3, using: &rng) * (Bool.random(using: &rng) ? 1 : -1)
        let skewLength = Int.random(in: 3_000...6_000, using: &rng)
        for _ in 0..<20 {
            let start = Int.random(in: 500...lastStart, using: &rng)
            if free(node, from: start, to: start + skewLength) {
                added.append(.init(startMs: start, durationMs: skewLength, label: "clock_skew",
                                   action: .skewEdge(node: node, offsetMs: hours * 3_600_000)))
                break
            }
        }
        let pauseLength = Int.random(in: 1_000...3_000, using: &rng)
        for _ in 0..<20 {
            let start = Int.random(in: 500...lastStart, using: &rng)
            if free(nil, from: start, to: start + pauseLength) {
                added.append(.init(startMs: start, durationMs: pauseLength, label: "pause_hub", action: .pauseHub))
                break
            }
        }
        return added
    }
}
