/// The kinds of fault the proxy can inject, named as in the control API's `type` field. `down` and
/// `reset_peer` act on whole connections, so their direction does not matter; the others act per direction.
public enum FaultKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// New connections are closed at once (reset), existing ones are reset.
    case down
    /// Connections are accepted but nothing passes in the fault's direction: the partition that only times out.
    case blackhole
    /// Connections are reset (RST) after `timeout_ms` (default 0).
    case resetPeer = "reset_peer"
    /// Every chunk is delayed by `latency_ms` plus or minus `jitter_ms`.
    case latency
    /// Throughput is capped at `bytes_per_second`.
    case bandwidth
    /// Data is split into chunks of about `average_size` bytes (± `size_variation`), `delay_ms` apart.
    case slicer
    /// The connection is closed once `bytes` bytes have passed in the fault's direction.
    case limitData = "limit_data"

    /// One attribute a kind accepts: its name, whether it must be given, its default and its bounds.
    public struct Attribute: Sendable, Hashable {
        public let name: String
        public let required: Bool
        public let defaultValue: Int
        public let range: ClosedRange<Int>
    }

    /// The attributes this kind accepts (all integers); any other attribute is an error.
    public var attributes: [Attribute] {
        let maxMs = 3_600_000
        switch self {
        case .down, .blackhole: return []
        case .resetPeer:
            return [Attribute(name: "timeout_ms", required: false, defaultValue: 0, range: 0...maxMs)]
        case .latency:
            return [
                Attribute(name: "latency_ms", required: true, defaultValue: 0, range: 0...maxMs),
                Attribute(name: "jitter_ms", required: false, defaultValue: 0, range: 0...maxMs),
            ]
        case .bandwidth:
            return [Attribute(name: "bytes_per_second", required: true, defaultValue: 0, range: 1...Int(Int32.max))]
        case .slicer:
            return [
                Attribute(name: "average_size", required: false, defaultValue: 16, range: 1...1_048_576),
                Attribute(name: "size_variation", required: false, defaultValue: 0, range: 0...1_048_576),
                Attribute(name: "delay_ms", required: false, defaultValue: 1, range: 0...60_000),
            ]
        case .limitData:
            return [Attribute(name: "bytes", required: true, defaultValue: 0, range: 0...Int(Int64.max / 2))]
        }
    }
}

/// Which way a fault applies: `upstream` is node → parent (the requests), `downstream` parent → node (the
/// responses), `both` either way.
public enum FaultDirection: String, Sendable, Hashable, Codable, CaseIterable {
    case upstream
    case downstream
    case both

    /// Whether bytes flowing in `flow` are subject to a fault with this direction.
    public func includes(_ flow: Flow) -> Bool {
        switch self {
        case .both: true
        case .upstream: flow == .upstream
        case .downstream: flow == .downstream
        }
    }
}

/// The direction bytes actually travel through the proxy.
public enum Flow: String, Sendable, Hashable, CaseIterable {
    /// From the proxied client (the node) to the upstream (its parent).
    case upstream
    /// From the upstream (the parent) back to the client (the node).
    case downstream
}
