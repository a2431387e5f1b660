import Foundation
import YiwangCore

/// `end-to-end` and `upserts`: one real edge and one real hub on loopback. A single client writes the rows
/// through the edge's bulk API, 1,000 per request (as the peer's single psql session, 1,000 rows per
/// transaction); the clock stops when the hub acknowledges holding the last one.
enum EndToEndScenario {
    static let name = "end-to-end"
    static let upsertName = "upserts"
    static let peerLive = 48_600.0
    static let peerUpserts = 31_500.0

    /// Request bodies of 1,000 rows each for rows `0..<count`.
    static func bodies(count: Int, generation: Int = 0) -> [(String, [UInt8])] {
        stride(from: 0, to: count, by: 1_000).map { start in
            (BenchRows.dataset(start), BenchRows.bulkBody(start..<min(count, start + 1_000), generation: generation))
        }
    }

    /// Writes `bodies` through the edge and waits for the hub to hold seq `through`. Returns the seconds to
    /// the last write, to the hub holding all, and the edge/hub CPU seconds used.
    static func push(
        _ bodies: [(String, [UInt8])], edge: String, hub: String, through: UInt64, context: BenchContext,
        pids: (Int32, Int32)
    ) async throws -> (writes: Double, total: Double, cpu: String) {
        let client = BenchHTTP()
        let cpu0 = (ProcStatus.cpuSeconds(pids.0), ProcStatus.cpuSeconds(pids.1))
        let started = ContinuousClock.now
        for (dataset, body) in bodies { try await client.bulk(edge, dataset: dataset, body: body) }
        let writes = Seconds.since(started)
        guard try await client.waitHubHolds(hub, node: BenchDaemons.nodeID(1), through: through, timeout: 900) else {
            throw BenchHTTP.Failure(description: "the hub did not get every change in 15 minutes")
        }
        let total = Seconds.since(started)
        let cpu = String(
            format: "CPU edge %.1f s, hub %.1f s", ProcStatus.cpuSeconds(pids.0) - cpu0.0,
            ProcStatus.cpuSeconds(pids.1) - cpu0.1)
        return (writes, total, cpu)
    }

    static func run(_ context: BenchContext) async throws -> [BenchResult] {
        let rows = context.sizes.endToEndRows
        let rawRate = try RawSQLite.insertRate(
            count: min(rows, context.sizes.rawSample), perTransaction: 1_000,
            path: context.directory.file("raw-insert.sqlite"))
        let bodies = Self.bodies(count: rows)
        let (hub, hubURL) = try await context.daemons.startHub(nodes: 1)
        let (edge, edgeURL) = try await context.daemons.startEdge(hubURL: hubURL)
        let run = try await push(
            bodies, edge: edgeURL, hub: hubURL, through: UInt64(rows), context: context, pids: (edge.pid, hub.pid))
        await edge.stop(SIGTERM)
        await hub.stop(SIGTERM)
        let rate = Double(rows) / run.total
        return [
            context.result(
                name, "changes/s, 1 node -> hub, until the hub holds all", rate, "changes/s", limit: rawRate,
                limitLabel: "raw SQLite insert, same rows, 1,000/txn", target: "> pglogical 48,600/s",
                met: rate > peerLive,
                notes: String(
                    format: "%d changes: writes done %.2f s, hub holds all %.2f s (lag %.2f s); %@", rows, run.writes,
                    run.total, run.total - run.writes, run.cpu))
        ]
    }

    static func runUpserts(_ context: BenchContext) async throws -> [BenchResult] {
        let rows = context.sizes.upsertRows
        let node = BenchDaemons.nodeID(1)
        let rawRate = try RawSQLite.upsertRate(
            RawSQLite.sampleBatches(count: rows, node: node, generation: 1, seqBase: rows),
            path: context.directory.file("raw-upsert-existing.sqlite"),
            preload: RawSQLite.sampleBatches(count: rows, node: node))
        let (hub, hubURL) = try await context.daemons.startHub(nodes: 1)
        let (edge, edgeURL) = try await context.daemons.startEdge(hubURL: hubURL)
        _ = try await push(
            bodies(count: rows), edge: edgeURL, hub: hubURL, through: UInt64(rows), context: context,
            pids: (edge.pid, hub.pid))
        let run = try await push(
            bodies(count: rows, generation: 1), edge: edgeURL, hub: hubURL, through: UInt64(2 * rows),
            context: context, pids: (edge.pid, hub.pid))
        await edge.stop(SIGTERM)
        await hub.stop(SIGTERM)
        let rate = Double(rows) / run.total
        return [
            context.result(
                upsertName, "upserts of existing records/s, end to end", rate, "rows/s", limit: rawRate,
                limitLabel: "raw SQLite upsert of existing rows", target: "> pglogical 31,500/s",
                met: rate > peerUpserts,
                notes: String(
                    format: "%d upserts: writes done %.2f s, hub holds all %.2f s; %@", rows, run.writes, run.total,
                    run.cpu))
        ]
    }
}
