import Foundation
import YiwangCore

/// The rows every scenario uses: the shape of the peer's benchmark (`pglogical-bench.sh`), so both sides
/// move the same bytes. Row `i`, generation `g` (0 = first write, 1 = upsert): 8 datasets, key `k%010d`, a
/// value of about 200 bytes of JSON text, 16 actors.
enum BenchRows {
    static let datasets = (0..<8).map { "ds-\($0)" }

    /// Rows come in runs of 1,000 per dataset, so that a 1,000-row request or transaction has one dataset.
    static func dataset(_ i: Int) -> String { datasets[(i / 1_000) % datasets.count] }

    static func key(_ i: Int) -> String {
        let digits = String(i)
        return "k" + String(repeating: "0", count: max(0, 10 - digits.count)) + digits
    }

    static func actor(_ i: Int) -> String { "actor-\(i % 16)" }

    /// `{"id","title","body" (96 hex digits, like three md5s),"tags","n","ok"}`.
    static func value(_ i: Int, generation: Int = 0) -> String {
        var state = UInt64(truncatingIfNeeded: i) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(generation)
        var body = ""
        body.reserveCapacity(96)
        for _ in 0..<6 {
            state = SplitMix.next(state)
            let hex = String(state, radix: 16)
            body += String(repeating: "0", count: 16 - hex.count) + hex
        }
        return "{\"id\":\(i),\"title\":\"item \(i) g\(generation)\",\"body\":\"\(body)\","
            + "\"tags\":[\"alpha\",\"beta\",\"gamma\"],\"n\":\(i % 1000),\"ok\":true}"
    }

    /// One JSON Lines body for the edge bulk API: rows `range` (one dataset per 1,000-row run).
    static func bulkBody(_ range: Range<Int>, generation: Int = 0) -> [UInt8] {
        var out = ""
        out.reserveCapacity(range.count * 240)
        for i in range {
            out += "{\"key\":\"\(key(i))\",\"value\":\(value(i, generation: generation))}\n"
        }
        return Array(out.utf8)
    }

    /// The version a node would ship for row `i` (its `seq`-th local write), at `hlcMs`.
    static func version(_ i: Int, node: String, seq: UInt64, hlcMs: Int64, key: String? = nil, generation: Int = 0)
        -> Version
    {
        Version(
            dataset: dataset(i), key: key ?? Self.key(i), vector: VersionVector([node: seq]),
            hlc: HLCTimestamp(wallMs: hlcMs), origin: node, actor: actor(i), operation: .put,
            value: value(i, generation: generation))
    }

    /// A batch of `versions` numbered from `firstSeq`, with `pendingAfter` more entries behind it.
    static func batch(node: String, firstSeq: UInt64, _ versions: [Version], clockMs: Int64, pendingAfter: UInt64 = 0)
        -> SyncBatch
    {
        let changes = versions.enumerated().map { Change(seq: firstSeq + UInt64($0.offset), version: $0.element) }
        let report = NodeReport(
            backlog: UInt64(versions.count) + pendingAfter, oldestPendingMs: versions.first?.hlc.wallMs,
            oldestAfterBatchMs: pendingAfter > 0 ? clockMs : nil, clockMs: clockMs, hlc: HLCTimestamp(wallMs: clockMs))
        return SyncBatch(node: node, firstSeq: firstSeq, report: report, changes: changes)
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

/// A small deterministic generator (SplitMix64), so every run uses the same "random" keys.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64

    static func next(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        return Self.next(state)
    }
}
