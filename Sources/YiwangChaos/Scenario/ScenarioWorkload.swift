import Foundation
import Synchronization
import YiwangCore
import YiwangHTTP

/// The history being recorded while a scenario runs: acknowledged writes, report samples, cut intervals.
public final class HistoryRecorder: Sendable {
    private let state = Mutex(ScenarioObservation())
    public let startedAt = ContinuousClock.now

    public init() {}

    public var nowMs: Int {
        let elapsed = ContinuousClock.now - startedAt
        return Int(elapsed.components.seconds) * 1_000 + Int(elapsed.components.attoseconds / 1_000_000_000_000_000)
    }

    public func acked(_ write: AckedWrite) { state.withLock { $0.acked.append(write) } }
    public func sample(_ sample: StateSample) { state.withLock { $0.samples.append(sample) } }
    public func cut(_ cut: CutInterval) { state.withLock { $0.cuts.append(cut) } }
    public func skew(_ skew: CutInterval) { state.withLock { $0.skews.append(skew) } }
    public var observation: ScenarioObservation { state.withLock { $0 } }
    public var ackedCount: Int { state.withLock { $0.acked.count } }
}

/// Writes at every node until stopped: about 40% to keys shared by all nodes (so cities and counties collide),
/// the rest to the node's own keys; one in ten is a delete. Every 200 answer is recorded.
public struct ScenarioWorkload: Sendable {
    public static let sharedKeys = 8
    public static let ownKeys = 30
    let cluster: ScenarioCluster
    let recorder: HistoryRecorder
    let seed: UInt64
    let http = CurlHTTPClient(configuration: .init(connectTimeoutMs: 1_000, totalTimeoutMs: 3_000))

    public init(cluster: ScenarioCluster, recorder: HistoryRecorder, seed: UInt64) {
        self.cluster = cluster
        self.recorder = recorder
        self.seed = seed
    }

    /// Runs one writer per node until `deadline`.
    public func run(until deadline: ContinuousClock.Instant, pauseMs: ClosedRange<Int> = 20...60) async {
        await withTaskGroup(of: Void.self) { group in
            for node in cluster.topology.ids {
                group.addTask { await writer(node, until: deadline, pauseMs: pauseMs) }
            }
        }
    }

    func writer(_ node: String, until deadline: ContinuousClock.Instant, pauseMs: ClosedRange<Int>) async {
        var rng = SplitMix64(seed: seed ^ SplitMix64.hash(node))
        var counter = 0
        while ContinuousClock.now < deadline {
            guard let base = cluster.edgeURL(node) else {
                try? await Task.sleep(for: .milliseconds(100))
                continue
            }
            counter += 1
            let dataset = ScenarioTopology.datasetNames.randomElement(using: &rng)!
            let key = Int.random(in: 0..<100, using: &rng) < 40
                ? "shared-\(Int.random(in: 0..<Self.sharedKeys, using: &rng))"
                : "own-\(node)-\(Int.random(in: 0..<Self.ownKeys, using: &rng))"
            let isDelete = Int.random(in: 0..<10, using: &rng) == 0
            let value = isDelete ? nil : "{\"n\":\(counter),\"w\":\"\(node)\"}"
            let sentAt = recorder.nowMs
            if let response = try? await http.send(
                method: isDelete ? "DELETE" : "PUT", url: "\(base)/v1/records/\(dataset)/\(key)",
                headers: [("X-Actor", "chaos-\(node)"), ("Content-Type", "application/json")],
                body: value.map { Array($0.utf8) }),
                response.status == 200,
                let body = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
                let vector = body["vector"] as? String
            {
                let seq = (body["seq"] as? NSNumber)?.uint64Value ?? 0
                recorder.acked(.init(
                    node: node, dataset: dataset, key: key, value: value.flatMap(Self.canonical), vector: vector,
                    seq: seq, atMs: sentAt, ackedAtMs: recorder.nowMs))
            }
            try? await Task.sleep(for: .milliseconds(Int.random(in: pauseMs, using: &rng)))
        }
    }

    /// JSON text with sorted keys, so the same object compares equal whoever rendered it.
    public static func canonical(_ json: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)),
            let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    public static func canonicalObject(_ object: Any?) -> String? {
        guard let object, !(object is NSNull),
            let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
