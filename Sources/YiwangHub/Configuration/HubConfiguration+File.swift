import Foundation
import YiwangCore
import YiwangHTTP

extension HubConfiguration {
    /// The keys a hub config file (YAML) may hold.
    public static let fileKeys = [
        "listen", "data_dir", "topology", "realtime_within", "offline_after", "stale_after", "max_body_bytes",
        "body_budget_bytes", "body_read_timeout", "max_clock_ahead",
    ] + HubSecurityConfiguration.fileKeys

    /// Applies a YAML config file on top of the current values; errors name the file and the key.
    public mutating func apply(file path: String) throws(YiwangError) {
        let map = try DaemonSupport.loadConfigFile(path)
        for (key, value) in map {
            let text = "\(value)"
            func fail(_ why: String) -> YiwangError { .invalidConfig(file: path, key: key, why) }
            func duration() throws(YiwangError) -> Int64 {
                guard let ms = DurationText.milliseconds(text) else {
                    throw fail("'\(text)' is not a duration (e.g. 30s, 5m, 1h)")
                }
                return ms
            }
            switch key {
            case "listen":
                guard let (host, port) = Self.parseListen(text) else { throw fail("'\(text)' is not HOST:PORT") }
                self.host = host
                self.port = port
            case "data_dir": dataDirectory = text
            case "topology":
                // Relative to the config file's directory.
                topologyPath = text.hasPrefix("/")
                    ? text : ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(text)
            case "realtime_within": thresholds.realtimeWithinMs = try duration()
            case "offline_after": thresholds.offlineAfterMs = try duration()
            case "stale_after": thresholds.staleAfterMs = try duration()
            case "max_clock_ahead": maxClockAheadMs = try duration()
            case "max_body_bytes":
                guard let bytes = Int(text), bytes > 0 else { throw fail("'\(text)' is not a positive byte count") }
                maxBodyBytes = bytes
            case "body_budget_bytes":
                guard let bytes = Int(text), bytes > 0 else { throw fail("'\(text)' is not a positive byte count") }
                bodyBudgetBytes = bytes
            case "body_read_timeout": bodyReadTimeoutMs = try duration()
            case _ where HubSecurityConfiguration.fileKeys.contains(key):
                try security.apply(key: key, text: text, fail: fail)
            default:
                throw fail("unknown key (known: \(Self.fileKeys.joined(separator: ", ")))")
            }
        }
    }
}
