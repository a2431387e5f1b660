import Foundation
import YiwangCore
import YiwangHTTP

/// Everything a city or county node needs to run, with defaults; loaded by `yiwang-edge` with `load` from an
/// optional YAML file, the environment and flags (a flag beats the environment, which beats the file, which
/// beats the default). The keys are one table, `EdgeConfiguration.keys`.
public struct EdgeConfiguration: Sendable, Hashable {
    /// How the node ships its outbox to the hub.
    public struct Uplink: Sendable, Hashable {
        /// Most changes in one batch.
        public var maxBatchChanges: Int = 5_000
        /// Most payload bytes in one batch (before compression).
        public var maxBatchBytes: Int = 4 << 20
        /// How long the uplink waits after a write for more to join the batch, in milliseconds.
        public var lingerMs: Int64 = 20
        /// With nothing to send, a heartbeat goes out this often, in milliseconds.
        public var heartbeatIntervalMs: Int64 = 5_000
        /// Acknowledged outbox entries are kept this long (so a hub restored from a backup can be refilled).
        public var retentionMs: Int64 = 24 * 3600 * 1000
        /// Conflict-log rows older than this are deleted, with the outbox's periodic prune.
        public var conflictRetentionMs: Int64 = 90 * 24 * 3600 * 1000
        /// Exponential backoff with jitter while the hub is unreachable.
        public var backoffBaseMs: Int64 = 250
        public var backoffCapMs: Int64 = 30_000
        /// Attempts of a batch the hub refuses as a whole (400/413) before it is halved.
        public var refusedBatchAttempts: Int = 3

        public init() {}
    }

    /// libcurl settings for the connection to the hub.
    public struct Transport: Sendable, Hashable {
        public var connectTimeoutMs: Int = 5_000
        public var totalTimeoutMs: Int = 30_000
        public var proxy: String?
        public var caFile: String?
        public var clientCertificateFile: String?
        public var clientKeyFile: String?
        /// The node's credential, sent as `Authorization: Bearer ...`.
        public var token: String?
        /// Where `token` is read from (`token_file`), once all layers are applied; nil once read.
        public var tokenFile: String?

        public init() {}

        var curl: CurlHTTPClient.Configuration {
            CurlHTTPClient.Configuration(
                connectTimeoutMs: connectTimeoutMs, totalTimeoutMs: totalTimeoutMs, proxy: proxy, caFile: caFile,
                clientCertificateFile: clientCertificateFile, clientKeyFile: clientKeyFile, bearerToken: token)
        }
    }

    public var nodeID: String
    /// The hub's base URL, e.g. `http://hub.province.gov:8443`.
    public var hubURL: String
    public var listenHost: String = "127.0.0.1"
    /// 0 picks a free port (logged with the "listening" line).
    public var listenPort: Int = 0
    public var dataDirectory: String
    /// The datasets this node holds, narrowed to what the province grants it; nil (the default): every
    /// dataset the province grants it (`DatasetPlan`). Writes to any other are refused.
    public var datasets: [String]?
    /// The policies this node expects per dataset: checked against the province's, never used for merging
    /// (a difference is reported and the province's policy is used).
    public var policies: [String: MergePolicy] = [:]
    /// How often the node asks the hub for its grants again after an answer, in milliseconds.
    public var grantsRefreshMs: Int64 = 5 * 60_000
    /// Largest record value accepted, in bytes.
    public var maxValueBytes: Int = Validation.defaultMaxValueBytes
    /// Largest bulk request body accepted, in bytes.
    public var maxBulkBytes: Int = 512 << 20
    public var uplink = Uplink()
    public var transport = Transport()
    /// The applications allowed to use the local API (`app_credentials_file`); required to listen off loopback.
    public var appCredentials: AppCredentials?
    /// Where `appCredentials` is read from, once all layers are applied; nil once read.
    public var appCredentialsFile: String?
    /// A city serving its counties (`relay_listen`, README "A city as relay"); nil: no relay listener.
    public var relay: Relay?

    /// A city's relay listener for its counties' uploads: its own address and TLS, apart from the local API.
    public struct Relay: Sendable, Hashable {
        public var host: String
        /// 0 picks a free port (logged with the "relay listening" line, `yiwang.relay_address`).
        public var port: Int
        /// `relay_tls_cert` / `relay_tls_key`: PEM files, as the hub's `tls_cert` / `tls_key`.
        public var tlsCertificateFile: String?
        public var tlsKeyFile: String?
        /// How far ahead of the city's clock a county's change may be before it is refused (as the hub's).
        public var maxClockAheadMs: Int64 = 5 * 60_000

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        public var servesTLS: Bool { tlsCertificateFile != nil && tlsKeyFile != nil }
    }

    public init(nodeID: String, hubURL: String, dataDirectory: String, datasets: [String]? = nil) {
        self.nodeID = nodeID
        self.hubURL = hubURL
        self.dataDirectory = dataDirectory
        self.datasets = datasets
    }

    /// Checks every setting; the error names the key at fault (as `file_key (--flag)`) and the file.
    public func validate(file: String? = nil) throws(YiwangError) {
        func bad(_ key: String, _ why: String) -> YiwangError {
            .invalidConfig(file: file, key: "\(key) (--\(key.replacingOccurrences(of: "_", with: "-")))", why)
        }
        guard !nodeID.isEmpty else { throw bad("node_id", "required: this node's id") }
        do { try Validation.nodeID(nodeID, field: "node_id") } catch { throw bad("node_id", error.message) }
        guard !hubURL.isEmpty else { throw bad("hub", "required: the hub's base URL") }
        guard hubURL.hasPrefix("http://") || hubURL.hasPrefix("https://") else {
            throw bad("hub", "must be an http:// or https:// URL")
        }
        guard !dataDirectory.isEmpty else { throw bad("data_dir", "required: the node's data directory") }
        guard (0...65535).contains(listenPort) else { throw bad("listen", "port must be 0 to 65535") }
        // Blame rests on X-Actor: off loopback, only applications holding a credential may write, as their actors.
        guard appCredentials != nil || LoopbackAddress.contains(listenHost) else {
            throw bad(
                AppCredentials.key,
                "listening on \(listenHost), not a loopback address, needs application credentials: "
                    + "set app_credentials_file (yiwangctl app-credential create), or listen on 127.0.0.1")
        }
        if let datasets {
            guard !datasets.isEmpty else {
                throw bad("datasets", "lists no dataset: list at least one, or leave it out to hold what the province grants")
            }
            for dataset in datasets {
                do { try Validation.dataset(dataset, field: "datasets") } catch { throw bad("datasets", error.message) }
            }
        }
        for dataset in policies.keys.sorted() {
            do { try Validation.dataset(dataset, field: "policies") } catch { throw bad("policies", error.message) }
        }
        guard grantsRefreshMs >= 1_000 else { throw bad("grants_refresh", "must be at least 1s") }
        guard uplink.maxBatchChanges >= 1 else { throw bad("batch_max_changes", "must be at least 1") }
        guard uplink.maxBatchBytes >= 1024 else { throw bad("batch_max_bytes", "must be at least 1024") }
        guard uplink.heartbeatIntervalMs >= 100 else { throw bad("heartbeat", "must be at least 100ms") }
        guard uplink.lingerMs >= 0 else { throw bad("linger", "must not be negative") }
        guard uplink.retentionMs >= 0 else { throw bad("retention", "must not be negative") }
        guard uplink.conflictRetentionMs >= 1_000 else { throw bad("conflict_retention", "must be at least 1s") }
        guard uplink.backoffBaseMs > 0, uplink.backoffCapMs >= uplink.backoffBaseMs else {
            throw bad("backoff_cap", "backoff base must be positive and not above the cap")
        }
        try validateRelay(bad)
        // A value the node accepts must fit the wire format's limit, or the hub would refuse its batches whole.
        let wireLimit = BatchCodec.Limits.default.maxValueBytes
        guard maxValueBytes > 0, maxValueBytes <= wireLimit else {
            throw bad("max_value_bytes", "must be between 1 and \(wireLimit) (the sync wire format's limit)")
        }
    }

    /// The relay settings: TLS files together, and TLS off loopback (as the hub: counties' credentials and
    /// data never cross a network in clear).
    func validateRelay(_ bad: (String, String) -> YiwangError) throws(YiwangError) {
        guard let relay else { return }
        guard relay.port >= 0 || relay.host != "" else {
            throw bad("relay_listen", "relay_tls_cert or relay_tls_key is set without relay_listen: set it too")
        }
        guard (0...65535).contains(relay.port) else { throw bad("relay_listen", "port must be 0 to 65535") }
        if (relay.tlsCertificateFile == nil) != (relay.tlsKeyFile == nil) {
            throw bad("relay_tls_cert", "relay_tls_cert and relay_tls_key must be given together")
        }
        if !relay.servesTLS && !LoopbackAddress.contains(relay.host) {
            throw bad(
                "relay_tls_cert",
                "the relay listens on \(relay.host), not a loopback address, without TLS: set relay_tls_cert and "
                    + "relay_tls_key, or listen on 127.0.0.1")
        }
    }

    /// The hub's sync endpoint.
    public var syncURL: String {
        (hubURL.hasSuffix("/") ? String(hubURL.dropLast()) : hubURL) + "/v1/sync"
    }
}
