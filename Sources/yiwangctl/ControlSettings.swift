import YiwangCore
import YiwangHTTP

/// What `yiwangctl` reads to reach a daemon: the environment (`YIWANG_HUB`, `YIWANG_EDGE`, ...), then its
/// flags, through the same reader and key table kind as the daemons (it has no config file).
struct ControlSettings {
    var hubURL: String?
    var edgeURL: String?
    var tokenFile: String?
    /// `YIWANG_TOKEN`: the operator's credential itself, used when no token file is given.
    var token: String?
    var caFile: String?

    static let keys: [ConfigKey<ControlSettings>] = [
        .text("hub", .url, layers: [.environment, .flag], doc: "The hub's base URL, e.g. http://127.0.0.1:7400.") {
            $0.hubURL = $1
        },
        .text(
            "edge", .url, layers: [.environment, .flag],
            doc: "The node's local API base URL, e.g. http://127.0.0.1:7401."
        ) { $0.edgeURL = $1 },
        .text(
            "token_file", .path, layers: [.environment, .flag], doc: "File holding an operator credential for the hub."
        ) { $0.tokenFile = $1 },
        .text("token", layers: .environment, doc: "An operator credential itself (used without a token file).") {
            $0.token = $1
        },
        .text(
            "ca_file", .path, layers: [.environment, .flag], doc: "CA certificate (PEM) to verify a TLS hub with."
        ) { $0.caFile = $1 },
    ]

    static let reader = ConfigurationReader(keys: keys)

    static func help(_ name: String) -> String {
        guard let key = reader.key(named: name) else { preconditionFailure("no yiwangctl key \(name)") }
        return key.help
    }
}
