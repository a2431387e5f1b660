import Metrics

/// The edge's metrics (swift-metrics; exported by swift-prometheus when the executable bootstraps it).
struct EdgeMetrics: Sendable {
    let writes = Counter(label: "yiwang_edge_writes_total")
    let batchesSent = Counter(label: "yiwang_uplink_batches_total", dimensions: [("result", "ok")])
    let batchesFailed = Counter(label: "yiwang_uplink_batches_total", dimensions: [("result", "failed")])
    let batchesRefused = Counter(label: "yiwang_uplink_batches_total", dimensions: [("result", "refused")])
    let heartbeats = Counter(label: "yiwang_uplink_heartbeats_total")
    let changesAcked = Counter(label: "yiwang_uplink_changes_acked_total")
    let changesQuarantined = Counter(label: "yiwang_uplink_changes_quarantined_total")
    let rewinds = Counter(label: "yiwang_uplink_rewinds_total")
    /// Acknowledgements (or parts of them) not believed: past what was sent, or out of range.
    let acksRefused = Counter(label: "yiwang_uplink_acks_refused_total")
    /// Feed pages refused: a cursor moving backwards or past the head without the hub's reset.
    let pagesRefused = Counter(label: "yiwang_downlink_pages_refused_total")
    let backlog = Gauge(label: "yiwang_outbox_backlog")
    let quarantined = Gauge(label: "yiwang_outbox_quarantined")
    let oldestPendingAge = Gauge(label: "yiwang_outbox_oldest_pending_age_seconds")
    let hubReachable = Gauge(label: "yiwang_uplink_hub_reachable")
    let batchDuration = Timer(label: "yiwang_uplink_batch_duration_seconds")
}
