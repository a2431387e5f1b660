import Foundation
import YiwangCore

/// Many nodes' uplinks without many edge processes: each synthetic node sends real `BatchCodec` batches
/// (encoded before the clock starts, as an edge encodes in its own process) over its own HTTP connection to
/// `POST /v1/sync`, one batch after another, as an edge's uplink does.
enum SyntheticNodes {
    /// Encoded batches of `perNode` changes (1,000 per batch) for each of nodes `first..<first+count`.
    /// Node `n`'s rows are distinct from every other node's.
    static func encode(nodes: Range<Int>, perNode: Int, perBatch: Int = 1_000) -> [(String, [[UInt8]])] {
        let now = BenchRows.nowMs()
        return nodes.map { n in
            let node = BenchDaemons.nodeID(n)
            var batches: [[UInt8]] = []
            for start in stride(from: 0, to: perNode, by: perBatch) {
                let end = min(perNode, start + perBatch)
                let versions = (start..<end).map { i in
                    BenchRows.version(n * 10_000_000 + i, node: node, seq: UInt64(i + 1), hlcMs: now)
                }
                let batch = BenchRows.batch(
                    node: node, firstSeq: UInt64(start + 1), versions, clockMs: now,
                    pendingAfter: UInt64(perNode - end))
                batches.append(BatchCodec.encode(batch))
            }
            return (node, batches)
        }
    }

    /// Sends every node's batches concurrently; returns the seconds until the hub acknowledged them all.
    static func send(_ nodes: [(String, [[UInt8]])], hub: String) async throws -> Double {
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (node, batches) in nodes {
                group.addTask {
                    let client = BenchHTTP()
                    for body in batches {
                        let highWater = try await client.sync(hub, node: node, body: body)
                        guard highWater > 0 else { throw BenchHTTP.Failure(description: "\(node): nothing held") }
                    }
                }
            }
            try await group.waitForAll()
        }
        return Seconds.since(started)
    }

    /// One heartbeat-sized batch (10 changes) from each of nodes `1...count`, `concurrency` at a time.
    static func reportOnce(nodes count: Int, hub: String, concurrency: Int = 16) async throws {
        let encoded = encode(nodes: 1..<(count + 1), perNode: 10)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<concurrency {
                group.addTask {
                    let client = BenchHTTP()
                    for index in stride(from: lane, to: encoded.count, by: concurrency) {
                        _ = try await client.sync(hub, node: encoded[index].0, body: encoded[index].1[0])
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
