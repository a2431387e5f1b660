import Metrics
import Prometheus
import YiwangAPI
import YiwangCore
import YiwangStore

/// The hub's metrics, recorded through swift-metrics into the hub's own Prometheus registry (so several hubs
/// can live in one test process) and rendered by `GET /metrics`.
public final class HubMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let changesApplied: Metrics.Counter
    private let conflicts: Metrics.Counter
    private let rejectedBatches: Metrics.Counter
    private let rejectedChanges: Metrics.Counter
    private let batchDuration: Metrics.Timer
    private let snapshotsStarted: Metrics.Counter
    private let snapshotPagesServed: Metrics.Counter

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
        ]
        self.factory = factory
        changesApplied = Metrics.Counter(label: "yiwang_hub_changes_applied_total", factory: factory)
        conflicts = Metrics.Counter(label: "yiwang_hub_conflicts_total", factory: factory)
        rejectedBatches = Metrics.Counter(label: "yiwang_hub_rejected_batches_total", factory: factory)
        rejectedChanges = Metrics.Counter(label: "yiwang_hub_rejected_changes_total", factory: factory)
        batchDuration = Metrics.Timer(label: "yiwang_hub_batch_seconds", factory: factory)
        snapshotsStarted = Metrics.Counter(label: "yiwang_hub_snapshots_started_total", factory: factory)
        snapshotPagesServed = Metrics.Counter(label: "yiwang_hub_snapshot_pages_served_total", factory: factory)
    }

    func recordBatch(_ outcome: BatchOutcomeSummary, duration: Duration) {
        changesApplied.increment(by: outcome.applied)
        conflicts.increment(by: outcome.conflicts)
        rejectedChanges.increment(by: outcome.rejected)
        batchDuration.record(duration: duration)
    }

    /// Counts a snapshot page served (`GET /v1/snapshot`); `first` when it started a snapshot.
    func recordSnapshotPage(first: Bool) {
        if first { snapshotsStarted.increment() }
        snapshotPagesServed.increment()
    }

    func recordRejectedBatch() {
        rejectedBatches.increment()
    }

    /// Counts a refusal of an unproven sender by reason (an error code: a closed set, never a claimed name);
    /// `batch` when it refused a batch, `audited` when it also got an audit entry.
    func recordRefusal(reason: String, audited: Bool, batch: Bool) {
        registry.makeCounter(descriptor: Self.refusedRequests, labels: [("reason", reason)]).increment()
        if batch && !audited { registry.makeCounter(descriptor: Self.unauditedRefusals).increment() }
        if batch { rejectedBatches.increment() }
    }

    /// Refreshes the per-node gauges from a fresh report: `yiwang_node_state{node,state}` is 1 for the node's
    /// current state and 0 for the others; `yiwang_node_data_age_seconds{node}` is -1 when unknown;
    /// `yiwang_hub_nodes_by_protocol{version}` counts the nodes whose last batch was in that version (0 for a
    /// version this hub reads that no node uses, so a finished rollout shows 0 on the old one).
    func refresh(from report: ConnectivityReport) {
        var byProtocol = Dictionary(uniqueKeysWithValues: ProtocolVersion.accepted.map { (Int($0.rawValue), 0) })
        for version in report.nodes.compactMap(\.protocolVersion) { byProtocol[version, default: 0] += 1 }
        for (version, count) in byProtocol {
            Metrics.Gauge(label: "yiwang_hub_nodes_by_protocol", dimensions: [("version", "\(version)")], factory: factory)
                .record(count)
        }
        for node in report.nodes {
            for state in ConnectivityState.allCases {
                Metrics.Gauge(label: "yiwang_node_state", dimensions: [("node", node.id), ("state", state.rawValue)],
                      factory: factory)
                    .record(state == node.state ? 1 : 0)
            }
            let age = node.dataAgeMs.map { Double($0) / 1000 } ?? -1
            Metrics.Gauge(label: "yiwang_node_data_age_seconds", dimensions: [("node", node.id)], factory: factory)
                .record(age)
        }
    }

    /// Refreshes the journal's gauges from `HubStore.journalStats`: entries held, bytes of the values still held,
    /// the compacted feed position (the feed's horizon) and how far compaction is behind the retention.
    func recordJournal(_ stats: JournalStats) {
        Metrics.Gauge(label: "yiwang_hub_journal_rows", factory: factory).record(stats.rows)
        Metrics.Gauge(label: "yiwang_hub_journal_value_bytes", factory: factory).record(stats.valueBytes)
        Metrics.Gauge(label: "yiwang_hub_journal_oldest_position", factory: factory).record(stats.compactedPosition)
        Metrics.Gauge(label: "yiwang_hub_compaction_lag_seconds", factory: factory)
            .record(Double(stats.compactionLagMs) / 1000)
    }

    /// The Prometheus text exposition of every metric.
    public func render() -> String {
        registry.emitToString()
    }
}

extension HubMetrics {
    static var refusedRequests: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "yiwang_hub", metricName: "refused_requests", unitName: "total",
            helpText: "Requests refused before their sender was proven (bad credential, wrong role, unknown node).")
    }
    static var unauditedRefusals: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "yiwang_hub", metricName: "refusals_unaudited", unitName: "total",
            helpText: "Batches refused from unproven senders beyond the shared audit budget (counted here only).")
    }
}

/// The counts of one applied batch that the metrics need.
struct BatchOutcomeSummary {
    var applied: Int
    var conflicts: Int
    var rejected: Int
}
