/// What one direction of one connection suffers, after the toxicity draws: the active faults merged.
public struct FlowPlan: Sendable, Hashable {
    /// Nothing passes (bytes are read and dropped).
    public var blackhole = false
    /// Sum of the active latencies and jitters, in milliseconds.
    public var latencyMs = 0
    public var jitterMs = 0
    /// The tightest active bandwidth cap.
    public var bytesPerSecond: Int?
    /// The first active slicer's settings.
    public var slicer: Slicer?
    /// The tightest active `limit_data`: the fault's name (so a new limit starts a new count) and its bytes.
    public var limit: Limit?

    public struct Slicer: Sendable, Hashable {
        public var averageSize: Int
        public var sizeVariation: Int
        public var delayMs: Int

        public init(averageSize: Int, sizeVariation: Int, delayMs: Int) {
            self.averageSize = averageSize
            self.sizeVariation = sizeVariation
            self.delayMs = delayMs
        }
    }

    public struct Limit: Sendable, Hashable {
        public var name: String
        public var bytes: Int

        public init(name: String, bytes: Int) {
            self.name = name
            self.bytes = bytes
        }
    }

    public init() {}

    /// Whether bytes pass untouched.
    public var isClean: Bool { self == FlowPlan() }
}

/// The faults that apply to one connection, decided once per connection and fault by a seeded draw against
/// the fault's toxicity: the same seed, connection number and fault name always give the same answer.
public struct ConnectionPlan: Sendable, Hashable {
    /// New connection: close at once; existing connection: reset.
    public var down = false
    /// Reset the connection this many milliseconds after the plan takes effect.
    public var resetAfterMs: Int?
    public var upstream = FlowPlan()
    public var downstream = FlowPlan()
    /// The names of the faults active on this connection.
    public var active: [String] = []

    public init() {}

    /// The plan for connection number `connection` under `faults`, drawn from `seed`.
    public init(faults: [Fault], seed: UInt64, connection: UInt64) {
        for fault in faults where Self.isActive(fault, seed: seed, connection: connection) {
            active.append(fault.name)
            switch fault.type {
            case .down: down = true
            case .resetPeer: resetAfterMs = min(resetAfterMs ?? .max, fault[attribute: "timeout_ms"])
            default:
                for flow in Flow.allCases where fault.direction.includes(flow) {
                    self[flow].add(fault)
                }
            }
        }
    }

    public subscript(flow: Flow) -> FlowPlan {
        get { flow == .upstream ? upstream : downstream }
        set {
            if flow == .upstream { upstream = newValue } else { downstream = newValue }
        }
    }

    /// Whether `fault` affects connection number `connection`: always at toxicity 1, never at 0, else a
    /// seeded draw.
    public static func isActive(_ fault: Fault, seed: UInt64, connection: UInt64) -> Bool {
        if fault.toxicity >= 1 { return true }
        if fault.toxicity <= 0 { return false }
        return SplitMix64.unitInterval(seed, connection, SplitMix64.hash(fault.name)) < fault.toxicity
    }
}

extension FlowPlan {
    mutating func add(_ fault: Fault) {
        switch fault.type {
        case .blackhole: blackhole = true
        case .latency:
            latencyMs += fault[attribute: "latency_ms"]
            jitterMs += fault[attribute: "jitter_ms"]
        case .bandwidth:
            bytesPerSecond = min(bytesPerSecond ?? .max, fault[attribute: "bytes_per_second"])
        case .slicer:
            if slicer == nil {
                slicer = Slicer(
                    averageSize: fault[attribute: "average_size"], sizeVariation: fault[attribute: "size_variation"],
                    delayMs: fault[attribute: "delay_ms"])
            }
        case .limitData:
            let bytes = fault[attribute: "bytes"]
            if let current = limit, current.bytes <= bytes { break }
            limit = Limit(name: fault.name, bytes: bytes)
        case .down, .resetPeer: break
        }
    }
}
