import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import YiwangCore
import YiwangHTTP
import YiwangStore

/// Builds and runs the hub: opens the store, serves the routes, and shuts down gracefully on SIGTERM/SIGINT
/// (stop accepting, finish the requests and the transaction in flight, close the database).
public enum HubServer {
    /// How long a graceful shutdown may take before the remaining work is cancelled (systemd's
    /// `TimeoutStopSec` is above this).
    public static let maximumGracefulShutdown: Duration = .seconds(30)

    /// The Hummingbird application for `hub`; logs "listening" with `yiwang.address` once bound, and tells
    /// systemd it is ready.
    public static func application(
        hub: ProvinceHub, notifier: SystemdNotifier = SystemdNotifier(environment: [:]), tls: HubTLS? = nil
    ) -> some ApplicationProtocol {
        let logger = hub.logger
        let host = hub.configuration.host
        var services: [any Service] = [
            SystemdWatchdogService(notifier: notifier, component: "hub store", logger: logger) { [store = hub.store] in
                (try? await store.isHealthy()) == true
            },
            HubCheckpointService(path: hub.store.path, logger: logger),
            HubCompactionService(hub: hub, logger: logger),
        ]
        if let tls { services.append(HubTLSReloadService(tls: tls, logger: logger)) }
        return Application(
            router: HubRoutes.router(hub: hub), server: HubTLS.serverBuilder(tls),
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: hub.configuration.port), serverName: "yiwang-hub"),
            services: services,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? hub.configuration.port
                logger.info(
                    "listening",
                    metadata: [
                        "yiwang.address": "\(host):\(port)", "yiwang.hub": "\(hub.topology.hub.id)",
                        "yiwang.nodes": "\(hub.topology.nodes.count)",
                    ])
                try? notifier.ready(
                    status: "hub \(hub.topology.hub.id) listening on \(host):\(port), "
                        + "\(hub.topology.nodes.count) nodes expected")
            },
            logger: logger)
    }

    /// Checks the configuration and loads the topology, as start-up would, without opening anything.
    public static func check(configuration: HubConfiguration) throws(YiwangError) -> Topology {
        try configuration.validate()
        if configuration.security.servesTLS { _ = try HubTLS(security: configuration.security) }
        return try Topology.load(path: configuration.topologyPath ?? "")
    }

    /// Loads the topology, opens the store and serves until a shutdown signal; returns when shut down.
    /// `environment` is the process environment, read only for systemd's `NOTIFY_SOCKET` and `WATCHDOG_USEC`.
    public static func run(
        configuration: HubConfiguration, clock: any WallClock = SystemWallClock(),
        environment: [String: String] = [:], logger: Logger
    ) async throws {
        let notifier = SystemdNotifier(environment: environment)
        let topology = try check(configuration: configuration)
        let tls = configuration.security.servesTLS ? try HubTLS(security: configuration.security) : nil
        let store = try HubStore(
            directory: configuration.dataDirectory, maxClockAheadMs: configuration.maxClockAheadMs, logger: logger)
        let hub = ProvinceHub(
            topology: topology, store: store, configuration: configuration, clock: clock, logger: logger)
        var groupConfiguration = ServiceGroupConfiguration(
            services: [application(hub: hub, notifier: notifier, tls: tls)], gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = maximumGracefulShutdown
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await group.run()
        } catch {
            try? store.close()
            throw error
        }
        try store.close()
        logger.info("stopped")
    }
}
