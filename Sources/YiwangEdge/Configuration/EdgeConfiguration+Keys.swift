import YiwangCore
import YiwangHTTP

extension EdgeConfiguration {
    /// Every key of an edge config, flag and environment variable: one table, documented in full in
    /// `config/edge-city.yaml` and `config/edge-county.yaml` (a test keeps the two in step).
    public static let keys: [ConfigKey<EdgeConfiguration>] = [
        .text("node_id", doc: "This node's id (region code, [0-9A-Za-z._-]{1,64}).") { $0.nodeID = $1 },
        .text("hub", .url, doc: "The hub's base URL, e.g. https://hub.example.gov:7400.") { $0.hubURL = $1 },
        ConfigKey(
            "listen", .listen,
            doc: "Address of the local HTTP API, HOST:PORT (port 0 picks a free port; an empty host is 127.0.0.1). "
                + "Default 127.0.0.1:0."
        ) { (settings, input) throws(ConfigProblem) in
            let address = try input.listen()
            settings.listenHost = address.host
            settings.listenPort = address.port
        },
        .text("data_dir", .path, doc: "Directory for the node's database (edge.sqlite).") { $0.dataDirectory = $1 },
        ConfigKey(
            "datasets", .list,
            doc: "Comma-separated datasets this node holds, of those the province grants it; default: every "
                + "dataset the topology grants the node (learnt from the hub, kept in edge.sqlite)."
        ) { (settings, input) throws(ConfigProblem) in settings.datasets = try input.list() },
        ConfigKey(
            "policies", .mapping, layers: .file,
            doc: "Merge policy expected per dataset (lww or siblings); the province's is used, a difference reported."
        ) { (settings, input) throws(ConfigProblem) in
            for (dataset, text) in try input.mapping() {
                guard let policy = MergePolicy(rawValue: text) else {
                    throw ConfigProblem("policy of '\(dataset)' must be lww or siblings")
                }
                settings.policies[dataset] = policy
            }
        },
        .count("max_value_bytes", .bytes, doc: "Largest record value accepted, in bytes. Default 1048576.") {
            $0.maxValueBytes = $1
        },
        .count("batch_max_changes", doc: "Most changes in one batch to the hub. Default 5000.") {
            $0.uplink.maxBatchChanges = $1
        },
        .count(
            "batch_max_bytes", .bytes, minimum: 1024,
            doc: "Most bytes (uncompressed) in one batch to the hub. Default 4194304 (4 MiB)."
        ) { $0.uplink.maxBatchBytes = $1 },
        .duration("linger", doc: "How long to wait after a write for more to join the batch. Default 20ms.") {
            $0.uplink.lingerMs = $1
        },
        .duration("heartbeat", doc: "Heartbeat interval when nothing is pending. Default 5s.") {
            $0.uplink.heartbeatIntervalMs = $1
        },
        .duration("retention", doc: "How long acknowledged outbox entries are kept (for rewinds). Default 24h.") {
            $0.uplink.retentionMs = $1
        },
        .duration(
            "conflict_retention",
            doc: "Conflict-log entries older than this are deleted (the hub's log and audit keep theirs). Default 90d."
        ) { $0.uplink.conflictRetentionMs = $1 },
        .duration(
            "backoff_base",
            doc: "First retry delay while the hub is unreachable (doubles, with jitter). Default 250ms."
        ) { $0.uplink.backoffBaseMs = $1 },
        .duration("backoff_cap", doc: "Longest retry delay. Default 30s.") { $0.uplink.backoffCapMs = $1 },
        .duration("connect_timeout", doc: "Connect timeout to the hub. Default 5s.") {
            $0.transport.connectTimeoutMs = Int($1)
        },
        .duration("total_timeout", doc: "Total timeout of one request to the hub. Default 30s.") {
            $0.transport.totalTimeoutMs = Int($1)
        },
        .text("proxy", .url, doc: "HTTP proxy for the hub connection, e.g. http://proxy.city.gov:3128.") {
            $0.transport.proxy = $1
        },
        .text("ca_file", .path, doc: "PEM file of the CA that signed the hub's certificate.") {
            $0.transport.caFile = $1
        },
        .text("client_cert", .path, doc: "PEM client certificate for mutual TLS.") {
            $0.transport.clientCertificateFile = $1
        },
        .text("client_key", .path, doc: "PEM private key of the client certificate.") {
            $0.transport.clientKeyFile = $1
        },
        .text("token_file", .path, doc: "File holding this node's bearer token for the hub (read once, at start).") {
            $0.transport.tokenFile = $1
        },
        .text(
            AppCredentials.key, .path,
            doc: "YAML file of the applications allowed to use the local API, each with its token's SHA-256 and "
                + "the actors it may write as (yiwangctl app-credential create). Required to listen off loopback."
        ) { $0.appCredentialsFile = $1 },
        ConfigKey(
            "relay_listen", .listen,
            doc: "A city's relay listener for its counties' uploads, HOST:PORT (port 0 picks a free port); off "
                + "loopback it needs relay_tls_cert and relay_tls_key. Default: no relay."
        ) { (settings, input) throws(ConfigProblem) in
            let address = try input.listen()
            var relay = settings.relay ?? EdgeConfiguration.Relay(host: address.host, port: address.port)
            relay.host = address.host
            relay.port = address.port
            settings.relay = relay
        },
        .text("relay_tls_cert", .path, doc: "TLS certificate chain (PEM) of the relay listener, as the hub's tls_cert.") {
            settings, path in settings.relayTLS { $0.tlsCertificateFile = path }
        },
        .text("relay_tls_key", .path, doc: "TLS private key (PEM) of the relay listener, as the hub's tls_key.") {
            settings, path in settings.relayTLS { $0.tlsKeyFile = path }
        },
    ]

    /// Sets a relay TLS file, before or after `relay_listen` (a TLS file without a listener: `validate` says so).
    mutating func relayTLS(_ set: (inout Relay) -> Void) {
        var relay = self.relay ?? Relay(host: "", port: -1)
        set(&relay)
        self.relay = relay
    }

    /// The reader of `keys`.
    public static let reader = ConfigurationReader(keys: keys)

    /// The help of the flag of `name` (a key of `keys`).
    public static func help(_ name: String) -> String {
        guard let key = reader.key(named: name) else { preconditionFailure("no edge configuration key \(name)") }
        return key.help
    }
}
