import Foundation
import YiwangCore
import YiwangHTTP

/// Reads the final states once the faults are healed: waits for quiescence, then fetches the hub's records,
/// every node's counters and every replica's digests.
struct FinalStateCollector: Sendable {
    let cluster: ScenarioCluster
    let http = CurlHTTPClient(configuration: .init(connectTimeoutMs: 1_000, totalTimeoutMs: 10_000))

    /// Waits until every node has nothing pending and everything acknowledged, the replicas agree (with a
    /// downlink), and the hub reports every node `realtime`. False on timeout.
    func waitQuiescent(timeoutMs: Int, sampler: ReportSampler) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        while ContinuousClock.now < deadline {
            if await isQuiescent(sampler: sampler) { return true }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    func isQuiescent(sampler: ReportSampler) async -> Bool {
        var downlink = false
        for node in cluster.topology.ids {
            guard let status = await json(cluster.edgeURL(node).map { "\($0)/v1/status" }),
                (status["backlog"] as? NSNumber)?.intValue == 0,
                (status["ackedThrough"] as? NSNumber) == (status["highestSeq"] as? NSNumber)
            else { return false }
            downlink = downlink || status["downlink"] != nil
        }
        if downlink {
            let digests = await self.digests()
            let enforced = cluster.settings.enforcedDatasets ?? Set(ScenarioTopology.datasetNames)
            guard let hub = digests["hub"]?.filter({ enforced.contains($0.key) }),
                digests.values.allSatisfy({ $0.filter { enforced.contains($0.key) } == hub })
            else { return false }
        }
        guard let sample = await sampler.sampleOnce() else { return false }
        return cluster.topology.ids.allSatisfy { sample.states[$0] == "realtime" }
    }

    func collect(into observation: inout ScenarioObservation) async {
        let names = Set(observation.acked.map { ScenarioObservation.recordKey($0.dataset, $0.key) })
        for name in names.sorted() {
            guard let record = await json("\(cluster.hubURL)/v1/records/\(name)"),
                let vector = record["vector"] as? String
            else { continue }
            observation.hubRecords[name] = HubRecord(
                vector: vector, value: ScenarioWorkload.canonicalObject(record["value"]),
                deleted: record["deleted"] as? Bool ?? false)
        }
        for node in cluster.topology.ids {
            let report = await json("\(cluster.hubURL)/v1/nodes/\(node)") ?? [:]
            let status = await json(cluster.edgeURL(node).map { "\($0)/v1/status" }) ?? [:]
            observation.downlink = observation.downlink || status["downlink"] != nil
            observation.nodes[node] = NodeCounters(
                changesApplied: Self.uint(report["changesApplied"]), highWater: Self.uint(report["highWater"]),
                highestSeq: Self.uint(status["highestSeq"]), backlog: (status["backlog"] as? NSNumber)?.intValue ?? -1)
        }
        observation.digests = await digests()
    }

    /// Replica (`hub` or node id) -> dataset -> `digest/records`.
    func digests() async -> [String: [String: String]] {
        var replicas: [(String, String)] = [("hub", cluster.hubURL)]
        for node in cluster.topology.ids { if let url = cluster.edgeURL(node) { replicas.append((node, url)) } }
        var all: [String: [String: String]] = [:]
        for (name, base) in replicas {
            for dataset in ScenarioTopology.datasetNames {
                let body = await json("\(base)/v1/datasets/\(dataset)/digest")
                all[name, default: [:]][dataset] = body.map { "\($0["digest"] ?? "")/\($0["records"] ?? "")" } ?? "?"
            }
        }
        return all
    }

    func json(_ url: String?) async -> [String: Any]? {
        guard let url, let response = try? await http.send(method: "GET", url: url), response.status == 200
        else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
    }

    static func uint(_ value: Any?) -> UInt64 { (value as? NSNumber)?.uint64Value ?? 0 }
}
