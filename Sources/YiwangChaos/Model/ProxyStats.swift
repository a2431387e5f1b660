/// Counters of a fault proxy since it started. JSON keys are snake_case (`connections_total`, ...).
public struct ProxyStats: Sendable, Hashable, Codable {
    /// Connections accepted, open now, closed at once by `down`, and reset (`down` or `reset_peer`).
    public var connectionsTotal = 0
    public var connectionsActive = 0
    public var connectionsRefused = 0
    public var connectionsReset = 0
    /// Connections closed because a `limit_data` was reached.
    public var connectionsCut = 0
    /// Bytes read from the client (node), written to the upstream (parent), and dropped by faults.
    public var upstreamBytesReceived = 0
    public var upstreamBytesForwarded = 0
    public var upstreamBytesDropped = 0
    /// Bytes read from the upstream (parent), written to the client (node), and dropped by faults.
    public var downstreamBytesReceived = 0
    public var downstreamBytesForwarded = 0
    public var downstreamBytesDropped = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case connectionsTotal = "connections_total"
        case connectionsActive = "connections_active"
        case connectionsRefused = "connections_refused"
        case connectionsReset = "connections_reset"
        case connectionsCut = "connections_cut"
        case upstreamBytesReceived = "upstream_bytes_received"
        case upstreamBytesForwarded = "upstream_bytes_forwarded"
        case upstreamBytesDropped = "upstream_bytes_dropped"
        case downstreamBytesReceived = "downstream_bytes_received"
        case downstreamBytesForwarded = "downstream_bytes_forwarded"
        case downstreamBytesDropped = "downstream_bytes_dropped"
    }

    /// Adds `bytes` to the received, forwarded or dropped counter of `flow`.
    public mutating func count(_ bytes: Int, _ kind: ByteCount, _ flow: Flow) {
        switch (flow, kind) {
        case (.upstream, .received): upstreamBytesReceived += bytes
        case (.upstream, .forwarded): upstreamBytesForwarded += bytes
        case (.upstream, .dropped): upstreamBytesDropped += bytes
        case (.downstream, .received): downstreamBytesReceived += bytes
        case (.downstream, .forwarded): downstreamBytesForwarded += bytes
        case (.downstream, .dropped): downstreamBytesDropped += bytes
        }
    }

    public enum ByteCount: Sendable { case received, forwarded, dropped }
}

/// A `HOST:PORT` pair, as given on the command line (`127.0.0.1:7400`, `[::1]:7400`).
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` (port 0...65535; brackets around an IPv6 host are removed); nil when malformed.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
