import Foundation
import GRDB
import Testing
import YiwangCore
import YiwangHub
import YiwangStore
import YiwangTesting

/// Hub apply rate for 1,000-change batches against a plain SQLite upsert of the same rows, same pragmas, same
/// run. A benchmark, not a timed test: it prints both rates and runs only with `YIWANG_BENCH=1`
/// (`YIWANG_BENCH=1 swift test -c release --filter ApplyBenchmark`).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["YIWANG_BENCH"] == "1"))
struct ApplyBenchmark {
    @Test(.timeLimit(.minutes(10))) func hubApplyVersusRawUpsert() async throws {
        let batches = Int(ProcessInfo.processInfo.environment["YIWANG_BENCH_BATCHES"] ?? "") ?? 20
        let perBatch = 1_000
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let now: Int64 = 1_800_000_000_000
        let node = Fixtures.city
        let all = (0..<batches).map { b in
            Fixtures.versions(node: node, count: perBatch, from: UInt64(b * perBatch + 1), hlcMs: now)
        }

        // Raw: INSERT OR REPLACE of the same rows into the same table shape, one transaction per batch.
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let raw = try DatabasePool(path: dir.file("raw.sqlite"), configuration: configuration)
        try await raw.write { db in try RecordTable.createTable(db) }
        let rawStart = ContinuousClock.now
        for versions in all {
            try await raw.write { db in
                for v in versions {
                    try RecordTable.store(db, dataset: v.dataset, key: v.key, state: RecordState(single: v))
                }
            }
        }
        let rawSeconds = (ContinuousClock.now - rawStart) / .seconds(1)

        let store = try HubStore(directory: dir.subdirectory("hub"), logger: Fixtures.logger)
        let hubStart = ContinuousClock.now
        for (index, versions) in all.enumerated() {
            let batch = Fixtures.batch(node: node, firstSeq: UInt64(index * perBatch + 1), versions, clockMs: now)
            _ = try store.applySync(
                batch: batch, policies: ["population": .lww], grants: ["population"], nowMs: now)
        }
        let hubSeconds = (ContinuousClock.now - hubStart) / .seconds(1)

        let total = Double(batches * perBatch)
        let rawRate = total / rawSeconds
        let hubRate = total / hubSeconds
        print(
            "apply benchmark: \(batches) batches of \(perBatch): raw upsert \(Int(rawRate)) rows/s, "
                + "hub apply \(Int(hubRate)) changes/s, ratio \(String(format: "%.2f", hubRate / rawRate))")
        #expect(try await store.digest(dataset: "population").records == batches * perBatch)
    }
}
