import YiwangCore

/// Everything the hub needs to start, with defaults. Its keys (file, environment, flags) are one table,
/// `HubConfiguration.keys` in `HubConfiguration+Keys.swift`.
public struct HubConfiguration: Sendable, Hashable {
    /// Address to listen on; port 0 picks a free port (the bound one is logged as `yiwang.address`).
    public var host: String = "127.0.0.1"
    public var port: Int = 7400
    /// Holds `hub.sqlite`.
    public var dataDirectory: String = "./yiwang-hub-data"
    /// The topology YAML file (required).
    public var topologyPath: String?
    /// The connectivity thresholds (`realtime_within`, `offline_after`, `stale_after`).
    public var thresholds: ConnectivityThresholds = .default
    /// Largest `POST /v1/sync` body accepted, in bytes, before it is read.
    public var maxBodyBytes: Int = 32 << 20
    /// Request-body bytes held at once across every sync request still arriving or being applied (`BodyBudget`).
    public var bodyBudgetBytes: Int = 128 << 20
    /// How long one sync request body may take to arrive before it is refused (408).
    public var bodyReadTimeoutMs: Int64 = 30_000
    /// How far ahead of the hub's clock a change's HLC may be.
    public var maxClockAheadMs: Int64 = 5 * 60 * 1000
    /// How long the journal keeps each change's value for the feed (README "Retention"); older ones are compacted.
    public var journalRetentionMs: Int64 = 7 * 86_400_000
    /// How often the hub compacts its journal (`HubCompactionService`).
    public var compactionIntervalMs: Int64 = 60_000
    /// Conflict-log rows older than this are deleted (`HubCompactionService`); the audit keeps their entries.
    public var conflictRetentionMs: Int64 = 90 * 24 * 3600 * 1000
    /// Credentials, rate limits and TLS (`HubSecurityConfiguration`).
    public var security = HubSecurityConfiguration()

    public init() {}

    /// Checks the values together (thresholds in order, sizes positive).
    public func validate(file: String? = nil) throws(YiwangError) {
        guard thresholds.realtimeWithinMs > 0 else {
            throw .invalidConfig(file: file, key: "realtime_within", "must be positive")
        }
        guard thresholds.offlineAfterMs >= thresholds.realtimeWithinMs else {
            throw .invalidConfig(file: file, key: "offline_after", "must not be shorter than realtime_within")
        }
        guard thresholds.staleAfterMs >= thresholds.realtimeWithinMs else {
            throw .invalidConfig(file: file, key: "stale_after", "must not be shorter than realtime_within")
        }
        guard maxBodyBytes >= 1024 else {
            throw .invalidConfig(file: file, key: "max_body_bytes", "must be at least 1024")
        }
        guard bodyBudgetBytes >= maxBodyBytes else {
            throw .invalidConfig(file: file, key: "body_budget_bytes", "must be at least max_body_bytes")
        }
        guard (1...3_600_000).contains(bodyReadTimeoutMs) else {
            throw .invalidConfig(file: file, key: "body_read_timeout", "must be between 1ms and 1h")
        }
        guard journalRetentionMs >= 1_000 else {
            throw .invalidConfig(file: file, key: "journal_retention", "must be at least 1s")
        }
        guard (10...86_400_000).contains(compactionIntervalMs) else {
            throw .invalidConfig(file: file, key: "compaction_interval", "must be between 10ms and 1d")
        }
        guard conflictRetentionMs >= 1_000 else {
            throw .invalidConfig(file: file, key: "conflict_retention", "must be at least 1s")
        }
        try security.validate(host: host, file: file)
        guard topologyPath != nil else {
            throw .invalidConfig(file: file, key: "topology", "no topology file given (--topology FILE)")
        }
    }
}
