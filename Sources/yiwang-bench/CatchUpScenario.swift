import Foundation
import YiwangCore

/// `catch-up` (and `edge-memory`): a real edge collects a backlog while its hub is down (its port closed),
/// its memory is read with everything pending, then the hub starts on that port and the clock runs until the
/// hub holds every change (as the peer's M3: subscription enabled, time until the hub holds all).
enum CatchUpScenario {
    static let name = "catch-up"
    static let memoryName = "edge-memory"
    static let peerSeconds = 21.6

    static func run(_ context: BenchContext) async throws -> [BenchResult] {
        let rows = context.sizes.catchUpRows
        let full = rows >= 1_000_000
        let rawRate = try RawSQLite.newRowUpsertRate(
            count: min(rows, context.sizes.rawSample), directory: context.directory.path)
        let port = BenchDaemons.freePort()
        let hubURL = "http://127.0.0.1:\(port)"
        let (edge, edgeURL) = try await context.daemons.startEdge(hubURL: hubURL)
        let client = BenchHTTP()
        let loadStarted = ContinuousClock.now
        for start in stride(from: 0, to: rows, by: 1_000) {
            try await client.bulk(
                edgeURL, dataset: BenchRows.dataset(start), body: BenchRows.bulkBody(start..<min(rows, start + 1_000)))
        }
        let loadSeconds = Seconds.since(loadStarted)
        try await Task.sleep(for: .seconds(1))
        let pending = try await client.edgeBacklog(edgeURL)
        let memory = ProcStatus.memoryMB(edge.pid)

        let edgeCPU = ProcStatus.cpuSeconds(edge.pid)
        let started = ContinuousClock.now
        let (hub, _) = try await context.daemons.startHub(nodes: 1, port: port)
        guard try await client.waitHubHolds(hubURL, node: BenchDaemons.nodeID(1), through: UInt64(rows), timeout: 900)
        else { throw BenchHTTP.Failure(description: "catch-up did not finish in 15 minutes") }
        let seconds = Seconds.since(started)
        let drainMemory = ProcStatus.memoryMB(edge.pid)
        let cpu = String(
            format: "CPU during the drain: edge %.1f s, hub %.1f s", ProcStatus.cpuSeconds(edge.pid) - edgeCPU,
            ProcStatus.cpuSeconds(hub.pid))
        await edge.stop(SIGTERM)
        await hub.stop(SIGTERM)
        let rate = Double(rows) / seconds
        return [
            context.result(
                name, "changes/s draining the backlog, until the hub holds all", rate, "changes/s", limit: rawRate,
                limitLabel: "raw SQLite upsert, same rows, 1,000/txn", target: "< 21.6 s for 1,000,000 (> 46,300/s)",
                met: full ? seconds < peerSeconds : nil,
                notes: String(format: "%d pending drained in %.2f s (hub start included); %@", rows, seconds, cpu)),
            context.result(
                memoryName, "edge RSS with the backlog pending", memory.rss, "MB", limit: nil, limitLabel: nil,
                target: "< 64 MB with 1,000,000 pending", met: full ? memory.rss < 64 : nil,
                notes: String(
                    format: "%d pending (status backlog %d), loaded in %.1f s; peak (VmHWM) %.1f MB while loading, "
                        + "%.1f MB after the drain", rows, pending, loadSeconds, memory.peak, drainMemory.peak)),
        ]
    }
}
