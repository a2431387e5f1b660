import Foundation
import YiwangCore
import YiwangStore

/// `hub-apply`: the hub's batch applier (in process, real SQLite file) on 1,000-change batches with random
/// keys, against a raw SQLite upsert of the same rows in the same order with the same pragmas.
enum HubApplyScenario {
    static let name = "hub-apply"

    static func run(_ context: BenchContext) async throws -> [BenchResult] {
        let perBatch = 1_000
        let node = BenchDaemons.nodeID(1)
        let now = BenchRows.nowMs()
        var random = SplitMix(state: 42)
        let batches = (0..<context.sizes.hubApplyBatches).map { b in
            (0..<perBatch).map { i in
                let row = b * perBatch + i
                return BenchRows.version(
                    row, node: node, seq: UInt64(row + 1), hlcMs: now,
                    key: BenchRows.key(Int(random.next() % 10_000_000_000)))
            }
        }
        let total = Double(batches.count * perBatch)

        let rawRate = try RawSQLite.upsertRate(batches, path: context.directory.file("raw-upsert.sqlite"))

        let store = try HubStore(directory: try context.directory.subdirectory("hub-apply"), logger: context.logger)
        let checkpoints = try BackgroundCheckpoints(path: store.path)  // as the daemon's HubCheckpointService
        defer { checkpoints.stop() }
        let policies = Dictionary(uniqueKeysWithValues: BenchRows.datasets.map { ($0, MergePolicy.lww) })
        let grants = Set(BenchRows.datasets)
        let started = ContinuousClock.now
        for (index, versions) in batches.enumerated() {
            let batch = BenchRows.batch(node: node, firstSeq: UInt64(index * perBatch + 1), versions, clockMs: now)
            let outcome = try store.applySync(batch: batch, policies: policies, grants: grants, nowMs: now)
            guard outcome.ack.rejected.isEmpty else { throw BenchHTTP.Failure(description: "hub refused changes") }
        }
        let hubRate = total / Seconds.since(started)
        return [
            context.result(
                name, "changes/s applied, 1,000/batch, random keys", hubRate, "changes/s", limit: rawRate,
                limitLabel: "raw SQLite upsert, same rows", target: ">= 0.5x raw", met: hubRate >= 0.5 * rawRate,
                notes: "\(Int(total)) changes in \(batches.count) batches")
        ]
    }
}
