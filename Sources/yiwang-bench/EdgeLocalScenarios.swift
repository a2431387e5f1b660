import Foundation
import YiwangCore

/// `edge-bulk` and `edge-put`: a real edge (its hub down, so only local writes are measured) over HTTP.
enum EdgeLocalScenarios {
    static let bulkName = "edge-bulk"
    static let putName = "edge-put"

    static func runBulk(_ context: BenchContext) async throws -> [BenchResult] {
        let rows = context.sizes.bulkRows
        let perRequest = 5_000
        let rawRate = try RawSQLite.insertRate(
            count: rows, perTransaction: perRequest, path: context.directory.file("raw-bulk.sqlite"))
        let bodies = stride(from: 0, to: rows, by: perRequest).map {
            (BenchRows.dataset($0), BenchRows.bulkBody($0..<min(rows, $0 + perRequest)))
        }
        let (edge, edgeURL) = try await context.daemons.startEdge(
            hubURL: "http://127.0.0.1:\(BenchDaemons.freePort())")
        let client = BenchHTTP()
        let cpu0 = ProcStatus.cpuSeconds(edge.pid)
        let started = ContinuousClock.now
        for (dataset, body) in bodies { try await client.bulk(edgeURL, dataset: dataset, body: body) }
        let seconds = Seconds.since(started)
        let cpu = ProcStatus.cpuSeconds(edge.pid) - cpu0
        await edge.stop(SIGTERM)
        let rate = Double(rows) / seconds
        return [
            context.result(
                bulkName, "rows/s imported (HTTP JSON Lines, 5,000/request)", rate, "rows/s", limit: rawRate,
                limitLabel: "raw SQLite insert, same rows, 5,000/txn", target: ">= 0.5x raw",
                met: rate >= 0.5 * rawRate,
                notes: String(format: "%d rows in %.2f s; edge CPU %.1f s", rows, seconds, cpu))
        ]
    }

    /// Latencies (ms) and the elapsed seconds of `puts` PUTs spread over `clients` concurrent clients.
    static func putRound(edge: String, clients: Int, puts: Int, tag: String) async throws -> ([Double], Double) {
        let started = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for c in 0..<clients {
                group.addTask {
                    let client = BenchHTTP(totalTimeoutMs: 30_000)
                    var mine: [Double] = []
                    for i in 0..<(puts / clients) {
                        let row = c * 1_000_000 + i
                        let t = ContinuousClock.now
                        let status = try await client.put(
                            edge, dataset: BenchRows.dataset(row), key: "\(tag)-\(BenchRows.key(row))",
                            value: BenchRows.value(row))
                        guard status == 200 else { throw BenchHTTP.Failure(description: "PUT: \(status)") }
                        mine.append(Seconds.since(t) * 1000)
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        return (latencies, Seconds.since(started))
    }

    static func runPut(_ context: BenchContext) async throws -> [BenchResult] {
        let puts = context.sizes.puts
        let raw = try RawSQLite.singleCommitLatencies(
            count: min(puts, 1_000), path: context.directory.file("raw-single.sqlite"))
        let (edge, edgeURL) = try await context.daemons.startEdge(
            hubURL: "http://127.0.0.1:\(BenchDaemons.freePort())")
        _ = try await putRound(edge: edgeURL, clients: 4, puts: 64, tag: "warm")
        let cpu0 = (ProcStatus.cpuSeconds(edge.pid), ProcStatus.cpuSeconds(getpid()))
        let (one, oneSeconds) = try await putRound(edge: edgeURL, clients: 1, puts: puts, tag: "c1")
        let cpu1 = (ProcStatus.cpuSeconds(edge.pid), ProcStatus.cpuSeconds(getpid()))
        let (many, manySeconds) = try await putRound(edge: edgeURL, clients: 16, puts: puts, tag: "c16")
        let cpu2 = (ProcStatus.cpuSeconds(edge.pid), ProcStatus.cpuSeconds(getpid()))
        // CPU cores busy (edge + this client) during each round: 2.0 means both cores of this machine.
        let oneCores = (cpu1.0 - cpu0.0 + cpu1.1 - cpu0.1) / oneSeconds
        let manyCores = (cpu2.0 - cpu1.0 + cpu2.1 - cpu1.1) / manySeconds
        await edge.stop(SIGTERM)
        let oneRate = Double(one.count) / oneSeconds
        let manyRate = Double(many.count) / manySeconds
        let rawP99 = Percentile.of(raw, 99)
        func summary(_ values: [Double]) -> String {
            String(format: "p50 %.2f ms, p99 %.2f ms", Percentile.of(values, 50), Percentile.of(values, 99))
        }
        return [
            context.result(
                putName, "PUT p99, 1 client", Percentile.of(one, 99), "ms", limit: rawP99,
                limitLabel: "raw SQLite 1-row durable commit p99", target: "< 5 ms", met: Percentile.of(one, 99) < 5,
                notes: "1 client: \(summary(one)), \(Int(oneRate)) writes/s; raw commit \(summary(raw))"),
            context.result(
                putName, "PUT p99, 16 clients", Percentile.of(many, 99), "ms", limit: rawP99,
                limitLabel: "raw SQLite 1-row durable commit p99", target: "< 5 ms", met: Percentile.of(many, 99) < 5,
                notes: "16 clients: \(summary(many))"),
            context.result(
                putName, "PUT writes/s, 16 clients (group commit)", manyRate, "writes/s", limit: oneRate,
                limitLabel: "1-client writes/s, same run", target: ">= 10x 1 client", met: manyRate >= 10 * oneRate,
                notes: String(
                    format: "%d PUTs over 16 connections; CPU cores busy (edge + client): 1 client %.2f, 16 clients "
                        + "%.2f; edge CPU per PUT %.0f us", many.count, oneCores, manyCores,
                    1e6 * (cpu2.0 - cpu1.0) / Double(many.count))),
        ]
    }
}
