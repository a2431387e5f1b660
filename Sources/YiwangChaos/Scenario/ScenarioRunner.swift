import Foundation
import GRDB
import Logging
import YiwangCore
import YiwangHTTP

/// One seeded scenario end to end: start the province, write and inject faults for `duration`, heal, wait
/// for quiescence, collect the final states, stop the daemons, check SQLite, and judge.
public struct ScenarioRunner: Sendable {
    public var seed: UInt64
    public var nodes: Int
    public var durationMs: Int
    public var directory: String
    public var settings = ScenarioCluster.Settings()
    public var quiescenceTimeoutMs = 60_000
    /// Logs each nemesis event at `info`; quiet (`warning`) unless raised.
    public var logger: Logger = {
        var logger = Logger(label: "yiwang.chaos.run")
        logger.logLevel = .warning
        return logger
    }()

    public init(seed: UInt64, nodes: Int, durationMs: Int, directory: String) {
        self.seed = seed
        self.nodes = nodes
        self.durationMs = durationMs
        self.directory = directory
    }

    /// Slack on top of realtime_within: a request already in flight (latency faults, a loaded hub) may still
    /// count as contact after the cut began.
    public var detectionSlackMs = 1_500

    /// Bound on detecting a cut: realtime_within plus the slack.
    public var detectionBoundMs: Int { (Self.milliseconds(settings.realtimeWithin) ?? 2_000) + detectionSlackMs }

    public func run() async throws -> ScenarioReport {
        let topology = ScenarioTopology.make(nodes: nodes)
        let schedule = NemesisSchedule.generate(seed: seed, topology: topology, durationMs: durationMs)
        let cluster = try await ScenarioCluster.start(
            directory: directory, topology: topology, seed: seed, settings: settings)
        let recorder = HistoryRecorder()
        let sampler = ReportSampler(cluster: cluster, recorder: recorder)
        let collector = FinalStateCollector(cluster: cluster)
        // The sampler runs as a child task beside the drill, cancelled once the cluster is quiescent.
        let (healedAt, blocker, quiescentAfterMs) = try await withThrowingTaskGroup(
            of: Void.self, returning: (Int, String?, Int).self
        ) { group in
            group.addTask { await sampler.run() }
            let deadline = ContinuousClock.now + .milliseconds(durationMs)
            async let writes: Void = ScenarioWorkload(cluster: cluster, recorder: recorder, seed: seed)
                .run(until: deadline)
            await NemesisExecutor(cluster: cluster, recorder: recorder, logger: logger).run(schedule)
            await writes
            try await cluster.healAll()
            let healedAt = recorder.nowMs
            let blocker = await collector.waitQuiescent(timeoutMs: quiescenceTimeoutMs, sampler: sampler, logger: logger)
            let quiescentAfterMs = recorder.nowMs - healedAt
            try? await Task.sleep(for: .milliseconds(600))  // a last heartbeat, then one more report sample
            group.cancelAll()
            try await group.waitForAll()
            return (healedAt, blocker, quiescentAfterMs)
        }
        if let last = await sampler.sampleOnce() { recorder.sample(last) }
        var observation = recorder.observation
        observation.healedAtMs = healedAt
        observation.enforcedDatasets = settings.enforcedDatasets
        await collector.collect(into: &observation)
        await cluster.shutdown()
        observation.integrity = Self.integrity(of: cluster.databaseFiles)
        observation.outboxes = Self.outboxes(directory: directory, nodes: topology.ids)
        let result = ScenarioChecker(detectionBoundMs: detectionBoundMs).check(observation)
        var report = ScenarioReport(
            seed: seed, nodes: topology.nodes.count, durationMs: durationMs, schedule: schedule,
            samples: observation.samples.count, quiescent: blocker == nil, result: result, dataDirectory: directory)
        report.notQuiescentBecause = blocker
        report.quiescentAfterMs = quiescentAfterMs
        report.totalMs = recorder.nowMs
        return report
    }

    /// `PRAGMA integrity_check` of each file, opened read-only after the daemons stopped.
    static func integrity(of files: [String]) -> [String: String] {
        var answers: [String: String] = [:]
        for file in files {
            do {
                var configuration = Configuration()
                configuration.readonly = true
                let queue = try DatabaseQueue(path: file, configuration: configuration)
                let rows = try queue.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
                answers[file] = rows.joined(separator: "; ")
            } catch {
                answers[file] = "cannot open: \(error)"
            }
        }
        return answers
    }

    /// Each node's outbox (`edge-ID/edge.sqlite`), read offline: seq -> `dataset/key@vector`; nil if unreadable.
    static func outboxes(directory: String, nodes: [String]) -> [String: [UInt64: String]]? {
        var all: [String: [UInt64: String]] = [:]
        for node in nodes {
            var configuration = Configuration()
            configuration.readonly = true
            guard let queue = try? DatabaseQueue(path: "\(directory)/edge-\(node)/edge.sqlite", configuration: configuration),
                let rows = try? queue.read({ try Row.fetchAll($0, sql: "SELECT seq, dataset, key, vector FROM outbox") })
            else { return nil }
            var entries: [UInt64: String] = [:]
            for row in rows {
                let seq: Int64 = row["seq"]
                entries[UInt64(seq)] = ScenarioObservation.outboxEntry(row["dataset"], row["key"], row["vector"])
            }
            all[node] = entries
        }
        return all
    }

    /// `settings.realtimeWithin` as the hub reads it (`ConfigDuration`), bounded to a day for the arithmetic here.
    static func milliseconds(_ text: String) -> Int? {
        guard let ms = try? ConfigDuration.milliseconds(text).get() else { return nil }
        return Int(min(ms, 86_400_000))
    }
}
