import Foundation
import Logging
import YiwangCore
import YiwangHTTP

/// Reads the final states once the faults are healed: waits for quiescence, then fetches the hub's records,
/// every node's counters and every replica's digests.
struct FinalStateCollector: Sendable {
    let cluster: ScenarioCluster
    let http = CurlHTTPClient(configuration: .init(connectTimeoutMs: 1_000, totalTimeoutMs: 10_000))

    /// Waits until every node has nothing pending and everything acknowledged, the replicas agree (with a
    /// downlink), and the hub reports every node `realtime`. Returns nil when quiet, else what it waited on.
    func waitQuiescent(timeoutMs: Int, sampler: ReportSampler, logger: Logger) async -> String? {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        var blocker: String? = "not checked"
        while ContinuousClock.now < deadline {
            blocker = await quiescenceBlocker(sampler: sampler)
            guard let blocker else { return nil }
            logger.info("waiting for quiescence", metadata: ["yiwang.blocker": "\(blocker)"])
            try? await Task.sleep(for: .milliseconds(200))
        }
        return blocker
    }

    /// What keeps the run from being quiet (never a record value), or nil.
    func quiescenceBlocker(sampler: ReportSampler) async -> String? {
        var downlink = false
        for node in cluster.topology.ids {
            guard let status = await json(cluster.edgeURL(node).map { "\($0)/v1/status" }) else {
                return "\(node): no status"
            }
            let backlog = (status["backlog"] as? NSNumber)?.intValue ?? -1
            guard backlog == 0, (status["ackedThrough"] as? NSNumber) == (status["highestSeq"] as? NSNumber) else {
                return "\(node): backlog \(backlog)"
            }
            downlink = downlink || status["downlink"] != nil
        }
        if downlink {
            let enforced = cluster.settings.enforcedDatasets ?? Set(ScenarioTopology.datasetNames)
            let digests = await self.digests()
            let hub = digests["hub"]?.filter { enforced.contains($0.key) }
            if let differing = digests.first(where: { $0.value.filter { enforced.contains($0.key) } != hub }) {
                return "\(differing.key): digest differs from the hub's"
            }
        }
        guard let sample = await sampler.sampleOnce() else { return "hub: no report" }
        if let node = cluster.topology.ids.first(where: { sample.states[$0] != "realtime" }) {
            return "\(node): \(sample.states[node] ?? "absent") at the hub"
        }
        return nil
    }

    func collect(into observation: inout ScenarioObservation) async {
        let names = Set(observation.acked.map { ByteKey(ScenarioObservation.recordKey($0.dataset, $0.key)) })
        for name in names.sorted().map(\.text) {
            guard let record = await json("\(cluster.hubURL)/v1/records/\(name)"),
                let vector = record["vector"] as? String
            else { continue }
            observation.hubRecords[ByteKey(name)] = HubRecord(
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
        for dataset in ScenarioTopology.datasetNames {
            let body = await json("\(cluster.hubURL)/v1/conflicts?dataset=\(dataset)&limit=10000")
            for conflict in body?["conflicts"] as? [[String: Any]] ?? [] {
                guard let loser = conflict["loser"] as? [String: Any], let key = loser["key"] as? String,
                    let vector = loser["vector"] as? String
                else { continue }
                observation.conflictLosers.insert(ByteKey(ScenarioObservation.outboxEntry(dataset, key, vector)))
            }
        }
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
