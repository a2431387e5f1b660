/// The hub's view of one node (DESIGN.md "Connectivity states"), worst first.
public enum ConnectivityState: String, Sendable, Hashable, CaseIterable, Comparable {
    case never
    case offline
    case stale
    case lagging
    case realtime

    /// Worst first: `never` < `offline` < `stale` < `lagging` < `realtime`.
    public static func < (lhs: ConnectivityState, rhs: ConnectivityState) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The thresholds that separate the states, in milliseconds; configurable per province.
public struct ConnectivityThresholds: Sendable, Hashable {
    public var realtimeWithinMs: Int64
    public var offlineAfterMs: Int64
    public var staleAfterMs: Int64

    public init(realtimeWithinMs: Int64 = 30_000, offlineAfterMs: Int64 = 300_000, staleAfterMs: Int64 = 3_600_000) {
        self.realtimeWithinMs = realtimeWithinMs
        self.offlineAfterMs = offlineAfterMs
        self.staleAfterMs = staleAfterMs
    }

    public static let `default` = ConnectivityThresholds()
}

/// What the hub knows of a node's contact and data, as hub-clock milliseconds.
public struct NodeObservation: Sendable, Hashable {
    /// When the hub last heard from the node (nil: never).
    public var lastContactMs: Int64?
    /// The time up to which the hub is known to hold all of the node's changes.
    public var dataAsOfMs: Int64?
    /// Changes the hub refused that the node holds quarantined: while any exists the hub lacks them, so the
    /// node is never `realtime`, however recent its data age.
    public var quarantined: UInt64 = 0

    public init(lastContactMs: Int64?, dataAsOfMs: Int64?, quarantined: UInt64 = 0) {
        self.lastContactMs = lastContactMs
        self.dataAsOfMs = dataAsOfMs
        self.quarantined = quarantined
    }
}

public enum ConnectivityClassifier {
    /// Classifies a node; the first state that holds wins: never, offline, stale, lagging (also while changes
    /// are quarantined), else realtime.
    public static func classify(_ observation: NodeObservation, nowMs: Int64, thresholds: ConnectivityThresholds)
        -> ConnectivityState
    {
        guard let lastContact = observation.lastContactMs else { return .never }
        let silence = nowMs.saturatingSubtract(lastContact)  // saturates: stored values may be extreme
        if silence > thresholds.offlineAfterMs { return .offline }
        let dataAge = dataAgeMs(observation, nowMs: nowMs) ?? Int64.max
        if dataAge > thresholds.staleAfterMs { return .stale }
        if silence > thresholds.realtimeWithinMs || dataAge > thresholds.realtimeWithinMs { return .lagging }
        if observation.quarantined > 0 { return .lagging }
        return .realtime
    }

    /// Now minus the time up to which the hub holds all the node's changes; nil if unknown. Saturates.
    public static func dataAgeMs(_ observation: NodeObservation, nowMs: Int64) -> Int64? {
        observation.dataAsOfMs.map { max(0, nowMs.saturatingSubtract($0)) }
    }
}
