import YiwangCore

/// A listen address, `HOST:PORT` or `[IPv6]:PORT`; port 0 picks a free port.
///
/// An empty host (`:7400`) means loopback, 127.0.0.1, for both daemons: the project's rule is that a
/// daemon serves the network only when told so explicitly (`0.0.0.0:7400`, or an interface's address), and
/// then the hub wants TLS and the node application credentials (`LoopbackAddress`).
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// The host an empty one stands for.
    public static let emptyHost = "127.0.0.1"

    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`; nil when there is no port or it is outside 0...65535.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard portText.utf8.count <= 5, portText.utf8.allSatisfy({ (48...57).contains($0) }),
            let port = Int(portText), (0...65_535).contains(port)
        else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.init(host: host.isEmpty ? Self.emptyHost : host, port: port)
    }

    /// True when only this machine can reach it.
    public var isLoopback: Bool { LoopbackAddress.contains(host) }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
