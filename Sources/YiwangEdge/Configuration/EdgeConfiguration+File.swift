import Foundation
import YiwangCore
import YiwangHTTP

extension EdgeConfiguration {
    /// The keys an edge config file (YAML) may hold; durations take `500ms`, `30s`, `5m`, `1h`, `1d`.
    public static let fileKeys = [
        "node_id", "hub", "listen", "data_dir", "datasets", "policies", "max_value_bytes", "batch_max_changes",
        "batch_max_bytes", "linger", "heartbeat", "retention", "backoff_base", "backoff_cap", "connect_timeout",
        "total_timeout", "proxy", "ca_file", "client_cert", "client_key", "token_file",
        "app_credentials_file",
    ]

    /// Reads a YAML config file into a configuration (flags are applied on top by the executable); errors
    /// name the file and the key.
    public mutating func apply(file path: String) throws(YiwangError) {
        let map = try DaemonSupport.loadConfigFile(path)
        for key in map.keys.sorted() {
            try apply(key: key, value: map[key]!, file: path)
        }
    }

    private mutating func apply(key: String, value: Any, file: String) throws(YiwangError) {
        let text = "\(value)"
        func fail(_ why: String) -> YiwangError { .invalidConfig(file: file, key: key, why) }
        func duration() throws(YiwangError) -> Int64 {
            guard let ms = Self.milliseconds(text) else {
                throw fail("'\(text)' is not a duration (e.g. 500ms, 5s, 1h)")
            }
            return ms
        }
        func count(minimum: Int = 1) throws(YiwangError) -> Int {
            guard let n = Int(text), n >= minimum else { throw fail("'\(text)' is not a whole number >= \(minimum)") }
            return n
        }
        switch key {
        case "node_id": nodeID = text
        case "hub": hubURL = text
        case "listen":
            guard let (host, port) = Self.parseListen(text) else { throw fail("'\(text)' is not HOST:PORT") }
            listenHost = host
            listenPort = port
        case "data_dir": dataDirectory = text
        case "datasets":
            if let list = value as? [Any] {
                datasets = list.map { "\($0)" }
            } else {
                datasets = Self.list(text)
            }
        case "policies":
            guard let map = value as? [String: Any] else { throw fail("expected a mapping of dataset to lww|siblings") }
            for (dataset, policy) in map {
                guard let parsed = MergePolicy(rawValue: "\(policy)") else {
                    throw fail("policy of '\(dataset)' must be lww or siblings")
                }
                policies[dataset] = parsed
            }
        case "max_value_bytes": maxValueBytes = try count()
        case "batch_max_changes": uplink.maxBatchChanges = try count()
        case "batch_max_bytes": uplink.maxBatchBytes = try count(minimum: 1024)
        case "linger": uplink.lingerMs = try duration()
        case "heartbeat": uplink.heartbeatIntervalMs = try duration()
        case "retention": uplink.retentionMs = try duration()
        case "backoff_base": uplink.backoffBaseMs = try duration()
        case "backoff_cap": uplink.backoffCapMs = try duration()
        case "connect_timeout": transport.connectTimeoutMs = Int(try duration())
        case "total_timeout": transport.totalTimeoutMs = Int(try duration())
        case "proxy": transport.proxy = text
        case "ca_file": transport.caFile = text
        case "client_cert": transport.clientCertificateFile = text
        case "client_key": transport.clientKeyFile = text
        case "token_file":
            guard let token = try? String(contentsOfFile: text, encoding: .utf8) else {
                throw fail("cannot read the token file '\(text)'")
            }
            transport.token = token.trimmingCharacters(in: .whitespacesAndNewlines)
        case AppCredentials.key: appCredentials = try AppCredentials.load(path: text)
        default:
            throw fail("unknown key (known: \(Self.fileKeys.joined(separator: ", ")))")
        }
    }

    /// Parses `HOST:PORT` (or `[IPv6]:PORT`).
    public static func parseListen(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "127.0.0.1" }
        return (host, port)
    }

    /// A comma-separated list, blanks dropped.
    public static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `500ms`, `30s`, `5m`, `1h`, `1d`; a bare number is milliseconds.
    public static func milliseconds(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            guard let number = Double(trimmed.dropLast(suffix.count)), number >= 0, number.isFinite else { return nil }
            return Millis.whole(number * scale)
        }
        guard let number = Int64(trimmed), number >= 0 else { return nil }
        return number
    }
}
