import Foundation
import YiwangCore
import YiwangHTTP

/// `wire`: bytes per change of the sync batches an edge sends (BatchCodec, deflated, 5,000 changes per batch,
/// the edge's default) against the same changes as plain JSON (the API's version objects, one per change).
enum WireScenario {
    static let name = "wire"

    static func run(_ context: BenchContext) async throws -> [BenchResult] {
        let count = context.sizes.wireChanges
        let perBatch = 5_000
        let node = BenchDaemons.nodeID(1)
        let now = BenchRows.nowMs()
        var wireBytes = 0
        var jsonBytes = 0
        var rawBytes = 0
        for start in stride(from: 0, to: count, by: perBatch) {
            let versions = (start..<min(count, start + perBatch)).map { i in
                BenchRows.version(i, node: node, seq: UInt64(i + 1), hlcMs: now + Int64(i))
            }
            let batch = BenchRows.batch(node: node, firstSeq: UInt64(start + 1), versions, clockMs: now)
            wireBytes += BatchCodec.encode(batch).count
            rawBytes += BatchCodec.encode(batch, compress: false).count
            jsonBytes += 2 + versions.reduce(0) { $0 + RecordJSON.version($1).utf8.count + 1 }
        }
        let perChange = Double(wireBytes) / Double(count)
        let jsonPerChange = Double(jsonBytes) / Double(count)
        return [
            context.result(
                name, "bytes per change on the wire", perChange, "B", limit: jsonPerChange,
                limitLabel: "same changes as plain JSON", target: "<= 0.35x JSON",
                met: perChange <= 0.35 * jsonPerChange,
                notes: String(
                    format: "%d changes, %d-change batches; uncompressed BatchCodec %.1f B/change",
                    count, perBatch, Double(rawBytes) / Double(count)))
        ]
    }
}
