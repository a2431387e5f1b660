import Foundation
import Logging
import Synchronization
import YiwangCore
import YiwangTesting

/// The real processes of a scenario: one `yiwang-hub` on a fixed port and one `yiwang-edge` per node, each
/// node talking to the hub through its own in-process `FaultProxy`. Daemons restart on the same data.
public final class ScenarioCluster: Sendable {
    public struct Settings: Sendable {
        public var realtimeWithin = "2s"
        public var offlineAfter = "6s"
        public var staleAfter = "30s"
        public var heartbeat = "200ms"
        /// The hub's `--auth`: `off` on loopback; with `on`, pass `--token-file` per edge in `edgeArguments`.
        public var auth = "off"
        public var hubArguments: [String] = []
        public var edgeArguments: [String] = []
        /// Datasets whose replicas must converge (nil: all).
        public var enforcedDatasets: Set<String>?

        public init() {}
    }

    public let directory: String
    public let topology: ScenarioTopology
    public let settings: Settings
    let hubPort: Int
    let hub: Mutex<DaemonProcess>
    let edges: Mutex<[String: (process: DaemonProcess, url: String)]>
    public let proxies: [String: FaultProxy]

    public var hubURL: String { "http://127.0.0.1:\(hubPort)" }

    /// Starts the hub, the proxies and the edges, and waits until each listens.
    public static func start(directory: String, topology: ScenarioTopology, seed: UInt64, settings: Settings)
        async throws -> ScenarioCluster
    {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try topology.yaml.write(toFile: "\(directory)/topology.yaml", atomically: true, encoding: .utf8)
        try ScenarioTopology.edgePoliciesYAML.write(toFile: "\(directory)/edge.yaml", atomically: true, encoding: .utf8)
        let hub = try launchHub(directory: directory, port: 0, settings: settings)
        let address = try await hub.waitForAddress()
        guard let hubAddress = HostPort(address) else { throw ScenarioError("bad hub address \(address)") }
        var proxies: [String: FaultProxy] = [:]
        for (index, node) in topology.ids.enumerated() {
            var logger = Logger(label: "yiwang.chaos.proxy.\(node)")
            logger.logLevel = .warning
            let proxy = FaultProxy(
                configuration: .init(
                    listen: HostPort(host: "127.0.0.1", port: 0), upstream: hubAddress,
                    seed: seed &+ UInt64(index), connectTimeout: .seconds(2)),
                logger: logger)
            try await proxy.start()
            proxies[node] = proxy
        }
        let cluster = ScenarioCluster(
            directory: directory, topology: topology, settings: settings, hubPort: hubAddress.port, hub: hub,
            proxies: proxies)
        for node in topology.ids { try await cluster.startEdge(node) }
        return cluster
    }

    init(directory: String, topology: ScenarioTopology, settings: Settings, hubPort: Int, hub: DaemonProcess,
         proxies: [String: FaultProxy])
    {
        self.directory = directory
        self.topology = topology
        self.settings = settings
        self.hubPort = hubPort
        self.hub = Mutex(hub)
        self.edges = Mutex([:])
        self.proxies = proxies
    }

    static func launchHub(directory: String, port: Int, settings: Settings) throws -> DaemonProcess {
        try DaemonProcess(
            "yiwang-hub",
            arguments: [
                "--listen", "127.0.0.1:\(port)", "--data-dir", "\(directory)/hub-data", "--topology",
                "\(directory)/topology.yaml", "--realtime-within", settings.realtimeWithin, "--offline-after",
                settings.offlineAfter, "--stale-after", settings.staleAfter, "--auth", settings.auth,
            ] + settings.hubArguments,
            logPath: "\(directory)/hub.log")
    }

    /// The base URL of a node's local API (changes when the node restarts); nil while it is down.
    public func edgeURL(_ node: String) -> String? { edges.withLock { $0[node]?.url } }

    /// Starts (or restarts) the edge of `node` on its data directory, pointed at its proxy.
    public func startEdge(_ node: String, environment: [String: String] = [:]) async throws {
        guard let proxyAddress = proxies[node]?.address else { throw ScenarioError("no proxy for \(node)") }
        let process = try DaemonProcess(
            "yiwang-edge",
            arguments: [
                "--config", "\(directory)/edge.yaml", "--node-id", node, "--hub", "http://\(proxyAddress)", "--listen", "127.0.0.1:0", "--data-dir",
                "\(directory)/edge-\(node)", "--datasets", ScenarioTopology.datasetNames.joined(separator: ","),
                "--heartbeat", settings.heartbeat, "--backoff-base", "50ms", "--backoff-cap", "500ms", "--linger",
                "5ms", "--connect-timeout", "1s", "--total-timeout", "3s",
            ] + settings.edgeArguments,
            logPath: "\(directory)/edge-\(node).log", environment: environment,
            launcher: environment.isEmpty ? [] : FakeTime.launcher)
        let url = try await process.baseURL()
        edges.withLock { $0[node] = (process, url) }
    }

    /// SIGKILLs the edge of `node`; it stays down until `startEdge`.
    public func killEdge(_ node: String) async {
        guard let process = edges.withLock({ $0.removeValue(forKey: node)?.process }) else { return }
        await process.stop(SIGKILL)
    }

    public func signalEdge(_ node: String, _ signal: Int32) {
        edges.withLock { $0[node]?.process }?.signal(signal)
    }

    public func killHub() async { await hub.withLock { $0 }.stop(SIGKILL) }

    /// Sends `signal` to the hub (SIGSTOP / SIGCONT: a hub frozen, as by a VM pause or a long GC).
    public func signalHub(_ signal: Int32) { hub.withLock { $0 }.signal(signal) }

    /// The environment of an edge whose wall clock is `offsetMs` off (`FakeTime`: libfaketime, the monotonic
    /// clock left alone, as on a server without NTP). Debian package `faketime`.
    public static func fakeTime(offsetMs: Int) -> [String: String] {
        let seconds = offsetMs / 1000
        return FakeTime.environment(offset: seconds >= 0 ? "+\(seconds)" : "\(seconds)")
    }

    /// Restarts the hub on its port (retrying while the port is still held).
    public func restartHub() async throws {
        var lastError: (any Error)?
        for _ in 0..<20 {
            let process = try Self.launchHub(directory: directory, port: hubPort, settings: settings)
            do {
                _ = try await process.waitForAddress(timeout: .seconds(15))
                hub.withLock { $0 = process }
                return
            } catch {
                lastError = error
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
        throw lastError ?? ScenarioError("hub did not restart")
    }

    /// Removes every fault, resumes paused edges, restarts dead ones.
    public func healAll() async throws {
        for proxy in proxies.values { _ = proxy.heal() }
        signalHub(SIGCONT)
        for node in topology.ids {
            signalEdge(node, SIGCONT)
            if edgeURL(node) == nil { try await startEdge(node) }
        }
    }

    /// Stops every daemon (SIGTERM, then SIGKILL) and every proxy.
    public func shutdown() async {
        let running = edges.withLock { state in
            let all = state.values.map(\.process)
            state = [:]
            return all
        }
        await withTaskGroup(of: Void.self) { group in
            for process in running {
                group.addTask {
                    process.signal(SIGCONT)
                    await process.stop(SIGTERM, timeout: .seconds(10))
                }
            }
        }
        await hub.withLock { $0 }.stop(SIGTERM, timeout: .seconds(10))
        for proxy in proxies.values { await proxy.stop() }
    }

    /// Every SQLite database file the daemons wrote.
    public var databaseFiles: [String] {
        let paths = (try? FileManager.default.subpathsOfDirectory(atPath: directory)) ?? []
        return paths.filter { $0.hasSuffix(".sqlite") }.map { "\(directory)/\($0)" }.sorted()
    }
}

/// A scenario could not be set up (a daemon did not start, a proxy is missing).
public struct ScenarioError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
