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
        let feedRate = try await feedReadRate(store, versions: Int(total), grants: grants)
        let compactStarted = ContinuousClock.now
        let compacted = try await store.compact(nowMs: now + 1, retentionMs: 0)
        let compactRate = Double(compacted.rowsCompacted) / Seconds.since(compactStarted)
        return [
            context.result(
                name, "changes/s applied, 1,000/batch, random keys", hubRate, "changes/s", limit: rawRate,
                limitLabel: "raw SQLite upsert, same rows", target: ">= 0.5x raw", met: hubRate >= 0.5 * rawRate,
                notes: "\(Int(total)) changes in \(batches.count) batches; feed read back at "
                    + "\(Int(feedRate)) versions/s (1,000/page), compacted at \(Int(compactRate)) entries/s")
        ]
    }

    /// Versions per second read back through the feed, from 0 to the head in pages of 1,000, by another node.
    private static func feedReadRate(_ store: HubStore, versions: Int, grants: Set<String>) async throws -> Double {
        let started = ContinuousClock.now
        var cursor: Int64 = 0
        var read = 0
        while true {
            let page = try await store.feedPage(
                node: BenchDaemons.nodeID(2), since: cursor, datasets: grants, limit: 1_000)
            read += page.versions.count
            cursor = page.cursor
            if !page.more { break }
        }
        guard read == versions else {
            throw BenchHTTP.Failure(description: "feed read \(read) of \(versions) versions")
        }
        return Double(read) / Seconds.since(started)
    }
}
