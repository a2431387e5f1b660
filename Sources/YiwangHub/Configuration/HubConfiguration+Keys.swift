import YiwangCore
import YiwangHTTP

extension HubConfiguration {
    /// Every key of the hub's config, flag and environment variable: one table, documented in full in
    /// `config/hub.yaml` (a test keeps the two in step).
    public static let keys: [ConfigKey<HubConfiguration>] = [
        ConfigKey(
            "listen", .listen,
            doc: "Address to serve HTTP on, HOST:PORT (port 0 picks a free port; an empty host is 127.0.0.1). "
                + "Default 127.0.0.1:7400."
        ) { (settings, input) throws(ConfigProblem) in
            let address = try input.listen()
            settings.host = address.host
            settings.port = address.port
        },
        .text("data_dir", .path, doc: "Directory for the hub database (hub.sqlite). Default ./yiwang-hub-data.") {
            $0.dataDirectory = $1
        },
        ConfigKey(
            "topology", .path,
            doc: "Topology file (YAML): the hub, every expected node, each dataset's policy. In the config file, "
                + "relative to the file's directory."
        ) { (settings, input) throws(ConfigProblem) in settings.topologyPath = try input.pathRelativeToFile() },
        .duration("realtime_within", doc: "Real-time: in contact and data age within this. Default 30s.") {
            $0.thresholds.realtimeWithinMs = $1
        },
        .duration("offline_after", doc: "A node is offline after no contact for this long. Default 5m.") {
            $0.thresholds.offlineAfterMs = $1
        },
        .duration(
            "stale_after", doc: "A node is stale when its data age is over this, heartbeats or not. Default 1h."
        ) { $0.thresholds.staleAfterMs = $1 },
        .count("max_body_bytes", .bytes, doc: "Largest sync request body accepted, in bytes. Default 33554432.") {
            $0.maxBodyBytes = $1
        },
        .count(
            "body_budget_bytes", .bytes,
            doc: "Sync body bytes held at once across all nodes (arriving or applying); past it, 503. Default 128 MiB."
        ) { $0.bodyBudgetBytes = $1 },
        .duration(
            "body_read_timeout",
            doc: "How long one sync body may take to arrive before it is refused (408). Default 30s."
        ) { $0.bodyReadTimeoutMs = $1 },
        .duration("max_clock_ahead", doc: "How far ahead of the hub's clock a change's HLC may be. Default 5m.") {
            $0.maxClockAheadMs = $1
        },
        .duration(
            "journal_retention",
            doc: "How long the journal keeps each change's value for the feed; a node further behind bootstraps "
                + "from a snapshot. At least 1s. Default 7d."
        ) { $0.journalRetentionMs = $1 },
        .duration(
            "compaction_interval", doc: "How often the hub compacts its journal (10ms to 1d). Default 1m."
        ) { $0.compactionIntervalMs = $1 },
        .duration(
            "conflict_retention",
            doc: "Conflict-log entries older than this are deleted (the audit keeps them). Default 90d."
        ) { $0.conflictRetentionMs = $1 },
        ConfigKey(
            "auth", .choice,
            doc: "Credentials: auto (required once any is issued, or off loopback), on, off (loopback only)."
        ) { (settings, input) throws(ConfigProblem) in
            let text = try input.text()
            guard let mode = HubSecurityConfiguration.AuthMode(rawValue: text) else {
                throw ConfigProblem("'\(text)' is not auto, on or off")
            }
            settings.security.auth = mode
        },
        ConfigKey(
            "rate_limit_batches_per_second", .rate, layers: [.file, .environment],
            doc: "Each node's sustained POST /v1/sync rate (0: no limit). Default 50."
        ) { (settings, input) throws(ConfigProblem) in settings.security.rateLimitBatchesPerSecond = try input.rate() },
        .text("tls_cert", .path, doc: "TLS certificate chain (PEM); with --tls-key the hub serves HTTPS only.") {
            $0.security.tlsCertificateFile = $1
        },
        .text("tls_key", .path, doc: "TLS private key (PEM), e.g. a systemd credential under $CREDENTIALS_DIRECTORY.") {
            $0.security.tlsKeyFile = $1
        },
        .text("tls_client_ca", .path, doc: "CA (PEM) whose client certificates the nodes must present (mutual TLS).") {
            $0.security.tlsClientCAFile = $1
        },
        ConfigKey(
            "allow_plain_http", .bool, layers: [.file, .environment],
            doc: "Serve plain HTTP on a non-loopback address (only behind a TLS-terminating proxy). Default false."
        ) { (settings, input) throws(ConfigProblem) in settings.security.allowPlainHTTP = try input.bool() },
    ]

    /// The reader of `keys`.
    public static let reader = ConfigurationReader(keys: keys)

    /// The help of the flag of `name` (a key of `keys`).
    public static func help(_ name: String) -> String {
        guard let key = reader.key(named: name) else { preconditionFailure("no hub configuration key \(name)") }
        return key.help
    }

    /// The hub's configuration: defaults, then the config file, then the environment (`YIWANG_*`), then the
    /// flags (`ConfigFlags.given`); validated. Every error names the key (and the file).
    public static func load(
        file: String?, environment: [String: String], flags: [String: String]
    ) throws(YiwangError) -> HubConfiguration {
        var settings = HubConfiguration()
        try reader.read(into: &settings, file: file, environment: environment, flags: flags)
        try settings.validate(file: file)
        return settings
    }

    /// Applies a YAML config file on top of the current values (tests and tools; the daemon uses `load`).
    public mutating func apply(file path: String) throws(YiwangError) {
        try Self.reader.apply(file: path, to: &self)
    }
}
