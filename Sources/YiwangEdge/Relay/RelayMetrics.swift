import Metrics
import YiwangStore

/// A relaying city's metrics for its counties' uploads; the per-origin backlog is in `GET /v1/status`.
struct RelayMetrics: Sendable {
    let batches = Counter(label: "yiwang_relay_batches_total")
    let relayed = Counter(label: "yiwang_relay_changes_total")
    let merged = Counter(label: "yiwang_relay_changes_merged_total")
    let conflicts = Counter(label: "yiwang_relay_conflicts_total")

    func record(_ received: RelayReceived) {
        batches.increment()
        relayed.increment(by: Int64(received.relayed))
        merged.increment(by: Int64(received.merged))
        conflicts.increment(by: Int64(received.conflicts))
    }
}
