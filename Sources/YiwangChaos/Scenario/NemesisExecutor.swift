import Foundation
import Logging
import YiwangCore
import YiwangHTTP

/// Plays a `NemesisSchedule` against a running cluster: every event starts and ends at its time, and the
/// intervals in which the hub could not hear a node are recorded as they really happened.
public struct NemesisExecutor: Sendable {
    let cluster: ScenarioCluster
    let recorder: HistoryRecorder
    let logger: Logger

    public init(cluster: ScenarioCluster, recorder: HistoryRecorder, logger: Logger) {
        self.cluster = cluster
        self.recorder = recorder
        self.logger = logger
    }

    /// Runs every event (concurrently where they overlap); returns when the last has ended.
    public func run(_ schedule: NemesisSchedule) async {
        await withTaskGroup(of: Void.self) { group in
            for (index, event) in schedule.events.enumerated() {
                group.addTask { await play(event, name: "nemesis-\(index)") }
            }
        }
    }

    func play(_ event: NemesisEvent, name: String) async {
        let wait = event.startMs - recorder.nowMs
        if wait > 0 { try? await Task.sleep(for: .milliseconds(wait)) }
        logger.info("nemesis start", metadata: ["yiwang.event": "\(name)", "yiwang.label": "\(event.label)"])
        let started = recorder.nowMs
        await begin(event.action, name: name)
        let applied = recorder.nowMs
        let remaining = event.startMs + event.durationMs - recorder.nowMs
        if remaining > 0 { try? await Task.sleep(for: .milliseconds(remaining)) }
        let ending = recorder.nowMs
        await end(event.action, name: name)
        let ended = recorder.nowMs
        // The cut starts once the fault is in force and ends once it is lifted (a restarted edge listens again).
        if case .skewEdge(let node, _) = event.action {
            recorder.skew(.init(node: node, startMs: applied, endMs: ending, label: event.label))
        }
        for node in cluster.topology.ids where event.action.cutsOff(node) {
            let start = event.action.isKill ? started : applied
            recorder.cut(.init(node: node, startMs: start, endMs: max(ending, ended), label: event.label))
        }
    }

    func begin(_ action: NemesisAction, name: String) async {
        switch action {
        case .partition(let nodes, let kind, let direction):
            for node in nodes {
                let fault: Fault = kind == .down ? .down(name: name) : .blackhole(name: name, direction: direction)
                _ = try? cluster.proxies[node]?.add(fault)
            }
        case .latency(let nodes, let ms):
            for node in nodes { _ = try? cluster.proxies[node]?.add(.latency(name: name, ms: ms, jitterMs: ms / 4)) }
        case .cutResponses(let node):
            _ = try? cluster.proxies[node]?.add(.limitData(name: name, bytes: 40, direction: .downstream))
        case .killEdge(let node):
            await cluster.killEdge(node)
        case .pauseEdge(let node):
            cluster.signalEdge(node, SIGSTOP)
        case .killHub:
            await cluster.killHub()
        case .skewEdge(let node, let offsetMs):
            await cluster.killEdge(node)
            await restartEdge(node, environment: ScenarioCluster.fakeTime(offsetMs: offsetMs))
        case .pauseHub:
            cluster.signalHub(SIGSTOP)
        }
    }

    /// Starts the edge of `node` again (under `environment`), logging a failure.
    func restartEdge(_ node: String, environment: [String: String] = [:]) async {
        do { try await cluster.startEdge(node, environment: environment) } catch {
            logger.error("edge restart failed", metadata: ["yiwang.node": "\(node)", "yiwang.error": "\(error)"])
        }
    }

    func end(_ action: NemesisAction, name: String) async {
        switch action {
        case .partition(let nodes, _, _), .latency(let nodes, _):
            for node in nodes { _ = try? cluster.proxies[node]?.remove(named: name) }
        case .cutResponses(let node):
            _ = try? cluster.proxies[node]?.remove(named: name)
        case .killEdge(let node):
            do { try await cluster.startEdge(node) } catch {
                logger.error("edge restart failed", metadata: ["yiwang.node": "\(node)", "yiwang.error": "\(error)"])
            }
        case .pauseEdge(let node):
            cluster.signalEdge(node, SIGCONT)
        case .killHub:
            do { try await cluster.restartHub() } catch {
                logger.error("hub restart failed", metadata: ["yiwang.error": "\(error)"])
            }
        case .skewEdge(let node, _):
            await cluster.killEdge(node)
            await restartEdge(node)
        case .pauseHub:
            cluster.signalHub(SIGCONT)
        }
    }
}

/// Samples the hub's connectivity report every `intervalMs` until cancelled.
public struct ReportSampler: Sendable {
    let cluster: ScenarioCluster
    let recorder: HistoryRecorder
    let http = CurlHTTPClient(configuration: .init(connectTimeoutMs: 500, totalTimeoutMs: 1_000))

    public init(cluster: ScenarioCluster, recorder: HistoryRecorder) {
        self.cluster = cluster
        self.recorder = recorder
    }

    public func run(intervalMs: Int = 250) async {
        while !Task.isCancelled {
            if let sample = await sampleOnce() { recorder.sample(sample) }
            try? await Task.sleep(for: .milliseconds(intervalMs))
        }
    }

    /// One look at GET /v1/nodes; nil while the hub does not answer.
    public func sampleOnce() async -> StateSample? {
        let at = recorder.nowMs
        guard let response = try? await http.send(method: "GET", url: "\(cluster.hubURL)/v1/nodes"),
            response.status == 200,
            let json = try? JSONSerialization.jsonObject(with: Data(response.body))
        else { return nil }
        let list = (json as? [[String: Any]]) ?? ((json as? [String: Any])?["nodes"] as? [[String: Any]]) ?? []
        var states: [String: String] = [:]
        var highWater: [String: UInt64] = [:]
        for node in list {
            if let id = node["id"] as? String, let state = node["state"] as? String { states[id] = state }
            if let id = node["id"] as? String, let held = node["highWater"] as? Int, held >= 0 {
                highWater[id] = UInt64(held)
            }
        }
        return StateSample(atMs: at, states: states, highWater: highWater)
    }
}
