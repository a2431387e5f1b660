import Foundation
import Synchronization
import YiwangCore

/// `nodes-130`, `hub-memory` and `report`: one real hub driven by synthetic node uplinks (130 real edge
/// processes do not fit 2 cores beside the hub, so the nodes are real batches over real HTTP instead).
enum HubLoadScenarios {
    static let nodesName = "nodes-130"
    static let memoryName = "hub-memory"
    static let reportName = "report"

    static func runNodes(_ context: BenchContext) async throws -> [BenchResult] {
        let sizes = context.sizes
        let total = sizes.nodes * sizes.changesPerNode
        let rawRate = try RawSQLite.newRowUpsertRate(
            count: min(total, sizes.rawSample), directory: context.directory.path)
        let encoded = SyntheticNodes.encode(nodes: 1..<(sizes.nodes + 1), perNode: sizes.changesPerNode)
        let (hub, hubURL) = try await context.daemons.startHub(nodes: sizes.nodes)
        let cpu0 = ProcStatus.cpuSeconds(hub.pid)
        let seconds = try await SyntheticNodes.send(encoded, hub: hubURL)
        let hubCPU = ProcStatus.cpuSeconds(hub.pid) - cpu0
        await hub.stop(SIGTERM)
        let rate = Double(total) / seconds
        return [
            context.result(
                nodesName, "changes/s, \(sizes.nodes) synthetic nodes -> 1 hub", rate, "changes/s", limit: rawRate,
                limitLabel: "raw SQLite upsert, same row shape", target: ">= 35,000/s", met: rate >= 35_000,
                notes: String(
                    format: "%d nodes x %d changes (1,000/batch, BatchCodec over HTTP, concurrent) in %.2f s; hub CPU "
                        + "%.1f s", sizes.nodes, sizes.changesPerNode, seconds, hubCPU))
        ]
    }

    /// Latencies (ms) of `GET /v1/nodes`, one after another, until `done` is set.
    final class ReportPoller: Sendable {
        let latencies = Mutex<[Double]>([])
        let done = Atomic<Bool>(false)

        func run(hub: String) async throws {
            let client = BenchHTTP(totalTimeoutMs: 30_000)
            while !done.load(ordering: .relaxed) {
                let (status, ms) = try await client.timedGet("\(hub)/v1/nodes")
                guard status == 200 else { throw BenchHTTP.Failure(description: "GET /v1/nodes: \(status)") }
                latencies.withLock { $0.append(ms) }
            }
        }
    }

    static func runReport(_ context: BenchContext) async throws -> [BenchResult] {
        let sizes = context.sizes
        let (hub, hubURL) = try await context.daemons.startHub(nodes: sizes.reportNodes)
        let idle = ProcStatus.memoryMB(hub.pid)
        try await SyntheticNodes.reportOnce(nodes: sizes.reportNodes, hub: hubURL)
        let reported = ProcStatus.memoryMB(hub.pid)
        let client = BenchHTTP()
        let nodes = try await client.json("\(hubURL)/v1/nodes")
        let idleLatencies = try await (0..<20).asyncMap { _ in try await client.timedGet("\(hubURL)/v1/nodes").1 }

        // The busiest nodes push at full speed while an operator polls the report.
        let base = sizes.reportNodes - sizes.reportIngestNodes + 1
        // Their first 10 changes, sent again, are duplicates the hub acknowledges.
        let encoded = SyntheticNodes.encode(nodes: base..<(sizes.reportNodes + 1), perNode: sizes.reportIngestPerNode)
        let poller = ReportPoller()
        async let polling: Void = poller.run(hub: hubURL)
        let seconds = try await SyntheticNodes.send(encoded, hub: hubURL)
        poller.done.store(true, ordering: .relaxed)
        try await polling
        let busy = ProcStatus.memoryMB(hub.pid)
        await hub.stop(SIGTERM)
        let latencies = poller.latencies.withLock { $0 }
        let p99 = Percentile.of(latencies, 99)
        let ingested = Double(encoded.reduce(0) { $0 + $1.1.count } * 1_000) / seconds
        let bodyBytes = (try? JSONSerialization.data(withJSONObject: nodes).count) ?? 0
        return [
            context.result(
                memoryName, "hub RSS, \(sizes.reportNodes) nodes reporting", reported.rss, "MB", target: "< 256 MB",
                met: reported.rss < 256,
                notes: String(
                    format: "idle %.1f MB; after every node reported %.1f MB; peak (VmHWM) under ingest %.1f MB",
                    idle.rss, reported.rss, busy.peak)),
            context.result(
                reportName, "GET /v1/nodes p99 while ingesting", p99, "ms", limit: Percentile.of(idleLatencies, 99),
                limitLabel: "p99 of the same GET, hub idle", target: "< 50 ms", met: p99 < 50,
                notes: String(
                    format: "%d nodes (%d-byte report); p50 %.1f ms over %d GETs while %d nodes pushed %.0f changes/s",
                    sizes.reportNodes, bodyBytes, Percentile.of(latencies, 50), latencies.count,
                    sizes.reportIngestNodes, ingested)),
        ]
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
