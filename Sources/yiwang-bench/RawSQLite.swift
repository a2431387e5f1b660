import Foundation
import GRDB
import YiwangCore
import YiwangStore

/// The limits Yiwang's rates are held against: plain SQLite writes of the same rows into the same `records`
/// table, with the same pragmas as the stores (`StorePragmas`: WAL, `synchronous=FULL`, cache, checkpoints) and the same transaction size.
enum RawSQLite {
    static func open(_ path: String, role: StorePragmas.Role) throws -> DatabasePool {
        let pool = try DatabasePool(path: path, configuration: StorePragmas.configuration(role))
        try pool.write { db in try RecordTable.createTable(db) }
        return pool
    }

    /// `INSERT OR REPLACE` of each batch's versions (their whole stored state), one transaction per batch,
    /// after `preload` (untimed), with the hub daemon's background checkpoints. Returns rows per second.
    static func upsertRate(_ batches: [[Version]], path: String, preload: [[Version]] = []) throws -> Double {
        let pool = try open(path, role: .hub)  // the hub's ceiling
        let checkpoints = try BackgroundCheckpoints(path: path)
        defer { checkpoints.stop() }
        for versions in preload {
            try pool.write { db in
                for v in versions {
                    try RecordTable.store(db, dataset: v.dataset, key: v.key, state: RecordState(single: v))
                }
            }
        }
        let started = ContinuousClock.now
        for versions in batches {
            try pool.write { db in
                for v in versions {
                    try RecordTable.store(db, dataset: v.dataset, key: v.key, state: RecordState(single: v))
                }
            }
        }
        let seconds = Seconds.since(started)
        return Double(batches.reduce(0) { $0 + $1.count }) / seconds
    }

    /// A prepared `INSERT` of rows `0..<count` (the columns a local write stores), `perTransaction` rows per
    /// transaction. Returns rows per second.
    static func insertRate(count: Int, perTransaction: Int, path: String, node: String = "bench-node") throws
        -> Double
    {
        let pool = try open(path, role: .edge)  // an edge's ceiling
        let hlcBase = BenchRows.nowMs()
        let started = ContinuousClock.now
        for start in stride(from: 0, to: count, by: perTransaction) {
            try pool.write { db in
                let statement = try db.makeStatement(
                    sql: """
                        INSERT INTO records(dataset, key, vector, winner_vector, hlc, origin, actor, op, value)
                        VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)
                        """)
                for i in start..<min(count, start + perTransaction) {
                    let vector = "\(node):\(i + 1)"
                    try statement.execute(arguments: [
                        BenchRows.dataset(i), BenchRows.key(i), vector, vector,
                        HLCTimestamp(wallMs: hlcBase + Int64(i)).packed, node, BenchRows.actor(i), BenchRows.value(i),
                    ])
                }
            }
        }
        return Double(count) / Seconds.since(started)
    }

    /// Latencies (ms) of `count` one-row durable transactions, one after another.
    static func singleCommitLatencies(count: Int, path: String) throws -> [Double] {
        let pool = try open(path, role: .edge)  // an edge's ceiling
        var latencies: [Double] = []
        for i in 0..<count {
            let t = ContinuousClock.now
            try pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO records(dataset, key, vector, winner_vector, hlc, origin, actor, op, value)
                        VALUES (?, ?, 'n:1', 'n:1', ?, 'n', ?, 1, ?)
                        """,
                    arguments: [
                        BenchRows.dataset(i), BenchRows.key(i), Int64(i), BenchRows.actor(i), BenchRows.value(i),
                    ])
            }
            latencies.append(Seconds.since(t) * 1000)
        }
        return latencies
    }
}

extension RawSQLite {
    /// Rows `0..<count` as a node's versions, `perBatch` to a batch (the hub's view of a node's stream).
    static func sampleBatches(count: Int, perBatch: Int = 1_000, node: String, generation: Int = 0, seqBase: Int = 0)
        -> [[Version]]
    {
        let now = BenchRows.nowMs()
        return stride(from: 0, to: count, by: perBatch).map { start in
            (start..<min(count, start + perBatch)).map { i in
                BenchRows.version(
                    i, node: node, seq: UInt64(seqBase + i + 1), hlcMs: now + Int64(generation), generation: generation)
            }
        }
    }

    /// Raw upsert rate of `count` new rows, 1,000 per transaction: the hub's write ceiling.
    static func newRowUpsertRate(count: Int, directory: String) throws -> Double {
        try upsertRate(sampleBatches(count: count, node: "n0001"), path: directory + "/raw-upsert-new.sqlite")
    }
}

enum Seconds {
    static func of(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func since(_ start: ContinuousClock.Instant) -> Double { of(ContinuousClock.now - start) }
}

enum Percentile {
    /// The `p`-th percentile (0...100) of `values`, nearest rank.
    static func of(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(sorted.count - 1, max(0, rank))]
    }
}
