import Foundation
import GRDB
import Synchronization
import Testing
import YiwangCore
import YiwangHTTP
import YiwangStore
import YiwangTesting

/// Edge speed, printed rather than asserted; runs only with `YIWANG_BENCH=1`
/// (`YIWANG_BENCH=1 swift test -c release --filter EdgeBenchmarks`). Sizes: `YIWANG_BENCH_PUTS` (2000),
/// `YIWANG_BENCH_ROWS` (200000), `YIWANG_BENCH_BACKLOG` (1000000).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["YIWANG_BENCH"] == "1"), .serialized)
struct EdgeBenchmarks {
    static func size(_ name: String, _ fallback: Int) -> Int {
        Int(ProcessInfo.processInfo.environment[name] ?? "") ?? fallback
    }

    /// User + system CPU time of a process so far, from /proc.
    static func cpuSeconds(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    @Test("local PUT latency and throughput, 1 and 16 clients", .timeLimit(.minutes(10)))
    func putLatency() async throws {
        let puts = Self.size("YIWANG_BENCH_PUTS", 2000)
        let dir = try TemporaryDirectory(prefix: "yiwang-bench")
        defer { dir.remove() }
        let edge = try await LiveEdge.start(in: dir, hubURL: "http://127.0.0.1:9")
        for clients in [1, 16] {
            let latencies = Samples()
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for c in 0..<clients {
                    group.addTask {
                        let client = LiveClient()
                        for i in 0..<(puts / clients) {
                            let t = ContinuousClock.now
                            let status = try await client.put(
                                edge.baseURL, key: "c\(clients)-\(c)-\(i)", value: "{\"i\":\(i)}")
                            precondition(status == 200)
                            let ms = Self.seconds(ContinuousClock.now - t) * 1000
                            latencies.add(ms)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = Self.seconds(ContinuousClock.now - started)
            let sorted = latencies.all.sorted()
            let p50 = sorted[sorted.count / 2]
            let p99 = sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
            print(
                String(
                    format: "edge PUT, %2d clients: p50 %.2f ms, p99 %.2f ms, %.0f writes/s", clients, p50, p99,
                    Double(sorted.count) / elapsed))
        }
        await edge.process.stop(SIGTERM)
    }

    @Test("bulk import rate against a raw SQLite insert of the same rows", .timeLimit(.minutes(10)))
    func bulkVersusRaw() async throws {
        let rows = Self.size("YIWANG_BENCH_ROWS", 200_000)
        let chunk = 5_000
        let dir = try TemporaryDirectory(prefix: "yiwang-bench")
        defer { dir.remove() }
        let values = (0..<rows).map { "{\"name\":\"person \($0)\",\"age\":\($0 % 100),\"city\":\"Xingcheng\"}" }

        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let raw = try DatabasePool(path: dir.file("raw.sqlite"), configuration: configuration)
        try await raw.write { db in try RecordTable.createTable(db) }
        // The same record rows (same table, same columns and values), inserted with a prepared statement.
        let rawStart = ContinuousClock.now
        for start in stride(from: 0, to: rows, by: chunk) {
            let slice = Array(values[start..<min(rows, start + chunk)])
            try await raw.write { db in
                let statement = try db.makeStatement(
                    sql: """
                        INSERT INTO records(dataset, key, vector, winner_vector, hlc, origin, actor, op, value)
                        VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)
                        """)
                for (i, value) in slice.enumerated() {
                    let seq = start + i + 1
                    let vector = "430100:\(seq)"
                    try statement.execute(arguments: [
                        "population", "k\(seq - 1)", vector, vector, Int64(seq) << 16, "430100", "bench", value,
                    ])
                }
            }
        }
        let rawRate = Double(rows) / Self.seconds(ContinuousClock.now - rawStart)

        let store = try EdgeStore(directory: dir.file("edge"), nodeID: "430100", logger: testLogger)
        let edgeStart = ContinuousClock.now
        for start in stride(from: 0, to: rows, by: chunk) {
            let writes = (start..<min(rows, start + chunk)).map {
                LocalWrite.put(dataset: "population", key: "k\($0)", actor: "bench", value: values[$0])
            }
            _ = try await store.apply(writes)
        }
        let edgeRate = Double(rows) / Self.seconds(ContinuousClock.now - edgeStart)
        print(
            String(
                format: "bulk import, %d rows: edge store %.0f rows/s, raw SQLite insert %.0f rows/s (%.0f%%)",
                rows, edgeRate, rawRate, 100 * edgeRate / rawRate))
    }

    @Test("time to drain a backlog to a local hub", .timeLimit(.minutes(15)))
    func drainBacklog() async throws {
        let backlog = Self.size("YIWANG_BENCH_BACKLOG", 1_000_000)
        let dir = try TemporaryDirectory(prefix: "yiwang-bench")
        defer { dir.remove() }
        do {
            let store = try EdgeStore(directory: dir.file("edge-data"), nodeID: "430100", logger: testLogger)
            for start in stride(from: 0, to: backlog, by: 10_000) {
                _ = try await store.apply(
                    (start..<min(backlog, start + 10_000)).map {
                        LocalWrite.put(dataset: "population", key: "k\($0)", actor: "bench", value: "{\"i\":\($0)}")
                    })
            }
        }
        let hub = try await LiveHub.start(in: dir)
        let started = ContinuousClock.now
        let edge = try await LiveEdge.start(in: dir, hubURL: hub.baseURL)
        let client = LiveClient(totalTimeoutMs: 300_000)
        let drained = try await client.waitDrained(edge.baseURL, seconds: 600)
        let elapsed = Self.seconds(ContinuousClock.now - started)
        print(
            String(
                format: "drain %d changes to a local hub: %.1f s (%.0f changes/s; CPU: edge %.1f s, hub %.1f s)%@",
                backlog, elapsed, Double(backlog) / elapsed, Self.cpuSeconds(edge.process.pid),
                Self.cpuSeconds(hub.process.pid), drained ? "" : " NOT DRAINED"))
        #expect(drained)
        #expect(try await client.digest(edge.baseURL) == (try await client.digest(hub.baseURL)))
        await edge.process.stop(SIGTERM)
    }
}

/// Latency samples collected by concurrent clients.
final class Samples: Sendable {
    private let values = Mutex<[Double]>([])
    func add(_ value: Double) { values.withLock { $0.append(value) } }
    var all: [Double] { values.withLock { $0 } }
}
