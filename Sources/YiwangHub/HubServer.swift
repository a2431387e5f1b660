import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import YiwangCore
import YiwangStore

/// Builds and runs the hub: opens the store, serves the routes, and shuts down gracefully on SIGTERM/SIGINT
/// (stop accepting, finish the requests and the transaction in flight, close the database).
public enum HubServer {
    /// The Hummingbird application for `hub`; logs "listening" with `yiwang.address` once bound.
    public static func application(hub: ProvinceHub) -> some ApplicationProtocol {
        let logger = hub.logger
        let host = hub.configuration.host
        return Application(
            router: HubRoutes.router(hub: hub),
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: hub.configuration.port), serverName: "yiwang-hub"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? hub.configuration.port
                logger.info(
                    "listening",
                    metadata: [
                        "yiwang.address": "\(host):\(port)", "yiwang.hub": "\(hub.topology.hub.id)",
                        "yiwang.nodes": "\(hub.topology.nodes.count)",
                    ])
            },
            logger: logger)
    }

    /// Loads the topology, opens the store and serves until a shutdown signal; returns when shut down.
    public static func run(
        configuration: HubConfiguration, clock: any WallClock = SystemWallClock(), logger: Logger
    ) async throws {
        try configuration.validate()
        let topology = try Topology.load(path: configuration.topologyPath ?? "")
        let store = try HubStore(
            directory: configuration.dataDirectory, maxClockAheadMs: configuration.maxClockAheadMs, logger: logger)
        let hub = ProvinceHub(
            topology: topology, store: store, configuration: configuration, clock: clock, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [application(hub: hub)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
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
