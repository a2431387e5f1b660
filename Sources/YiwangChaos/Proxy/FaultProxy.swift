import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import YiwangCore

/// A TCP proxy between a node and its parent that injects faults (Toxiproxy-like): the library behind
/// `yiwang-chaos proxy`, usable in-process by tests and the scenario runner.
///
/// ```swift
/// let proxy = FaultProxy(configuration: .init(listen: HostPort(host: "127.0.0.1", port: 0),
///                                             upstream: hubAddress, seed: 42), logger: logger)
/// let address = try await proxy.start()
/// try proxy.add(.blackhole(direction: .downstream))
/// proxy.heal()
/// await proxy.stop()
/// ```
public final class FaultProxy: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// Where the proxy listens (port 0 picks a free port; `start()` returns the real one).
        public var listen: HostPort
        /// The parent the proxy forwards to.
        public var upstream: HostPort
        /// Seeds every toxicity draw, jitter and slice size: the same seed reproduces the same faults.
        public var seed: UInt64
        /// How long to wait for the upstream to accept a connection.
        public var connectTimeout: TimeAmount

        public init(listen: HostPort, upstream: HostPort, seed: UInt64 = 0, connectTimeout: TimeAmount = .seconds(10)) {
            self.listen = listen
            self.upstream = upstream
            self.seed = seed
            self.connectTimeout = connectTimeout
        }
    }

    struct ConnectionHandle: Sendable {
        let connection: NIOLoopBound<ProxyConnection>
        var eventLoop: any EventLoop { connection.eventLoop }
    }

    struct State: ~Copyable {
        var faults: [Fault] = []
        var connections: [UInt64: ConnectionHandle] = [:]
        var nextConnection: UInt64 = 1
        var server: (any Channel)?
        var address: HostPort?
        var upstream: HostPort
        var stopped = false
    }

    public let configuration: Configuration
    let state: Mutex<State>
    let recorder = StatsRecorder()
    let group: any EventLoopGroup
    let logger: Logger

    /// A proxy that is not listening yet; call `start()` (or run it as a `Service`).
    public init(
        configuration: Configuration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        self.configuration = configuration
        self.state = Mutex(State(upstream: configuration.upstream))
        self.group = eventLoopGroup
        self.logger = logger
    }

    /// The address the proxy listens on, once started.
    public var address: HostPort? { state.withLock { $0.address } }

    /// Where new connections are forwarded: the configured upstream unless `retarget(upstream:)` changed it.
    public var upstream: HostPort { state.withLock { $0.upstream } }

    /// Forwards new connections to `upstream` from now on (e.g. a parent restarted on another port); open
    /// connections keep their parent.
    public func retarget(upstream: HostPort) {
        state.withLock { $0.upstream = upstream }
        logger.info("upstream changed", metadata: ["yiwang.upstream": "\(upstream)"])
    }

    /// The faults in force, in the order they were added.
    public var faults: [Fault] { state.withLock { $0.faults } }

    /// Connection and byte counters since the proxy started.
    public var stats: ProxyStats { recorder.snapshot }

    /// Adds `fault` (validated; an empty name gets a generated one like `latency_downstream`) and applies it to
    /// the open connections too. Throws `invalid_field` naming the field, e.g. `name` when it is taken.
    @discardableResult
    public func add(_ fault: Fault) throws(YiwangError) -> Fault {
        var fault = try fault.validated()
        let added: Fault = try state.withLock { (state) throws(YiwangError) -> Fault in
            if fault.name.isEmpty {
                fault.name = Self.generatedName(for: fault, taken: Set(state.faults.map(\.name)))
            } else if state.faults.contains(where: { $0.name == fault.name }) {
                throw .invalidField("name", "a fault named '\(fault.name)' already exists")
            }
            state.faults.append(fault)
            pushPlans(&state)
            return fault
        }
        logger.info(
            "fault added",
            metadata: [
                "yiwang.fault": "\(added.name)", "yiwang.fault.type": "\(added.type.rawValue)",
                "yiwang.fault.direction": "\(added.direction.rawValue)", "yiwang.fault.toxicity": "\(added.toxicity)",
            ])
        return added
    }

    /// Removes the fault named `name`; throws `not_found` (field `name`) when there is none.
    @discardableResult
    public func remove(named name: String) throws(YiwangError) -> Fault {
        let removed: Fault = try state.withLock { (state) throws(YiwangError) -> Fault in
            guard let index = state.faults.firstIndex(where: { $0.name == name }) else {
                throw YiwangError(code: .notFound, field: "name", message: "no fault named '\(name)'")
            }
            let fault = state.faults.remove(at: index)
            pushPlans(&state)
            return fault
        }
        logger.info("fault removed", metadata: ["yiwang.fault": "\(removed.name)"])
        return removed
    }

    /// Removes every fault: traffic passes untouched again (connections already reset or cut stay closed).
    @discardableResult
    public func heal() -> [Fault] {
        let removed = state.withLock { state in
            let removed = state.faults
            state.faults = []
            pushPlans(&state)
            return removed
        }
        logger.info("healed", metadata: ["yiwang.faults.removed": "\(removed.count)"])
        return removed
    }

    /// Sends every open connection its new plan (inside the lock, so plans arrive in the order of changes).
    private func pushPlans(_ state: inout State) {
        for (id, handle) in state.connections {
            let plan = ConnectionPlan(faults: state.faults, seed: configuration.seed, connection: id)
            handle.eventLoop.execute { handle.connection.value.apply(plan) }
        }
    }

    static func generatedName(for fault: Fault, taken: Set<String>) -> String {
        let base = "\(fault.type.rawValue)_\(fault.direction.rawValue)"
        if !taken.contains(base) { return base }
        var index = 2
        while taken.contains("\(base)_\(index)") { index += 1 }
        return "\(base)_\(index)"
    }
}
