import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import YiwangCore
import YiwangHTTP
import YiwangStore

/// Builds the edge daemon: the store, the local HTTP API, and the uplink, as one Hummingbird application
/// whose service group shuts the HTTP server down first (no new writes), then the uplink (which finishes
/// the batch in flight).
public enum EdgeApplication {
    /// Opens the store and assembles the application. `transport` defaults to libcurl against the hub, as do
    /// `grantsTransport` (`GET /v1/grants`) and the downlink's.
    /// `notifier` tells systemd when the node is ready, that it is alive, and when it stops.
    public static func make(
        configuration: EdgeConfiguration, transport: (any SyncTransport)? = nil,
        grantsTransport: (any GrantsTransport)? = nil, metricsText: @escaping @Sendable () -> [UInt8] = { [] },
        notifier: SystemdNotifier = SystemdNotifier(environment: [:]), logger: Logger
    ) throws(YiwangError) -> some ApplicationProtocol {
        try configuration.validate()
        var logger = logger
        logger[metadataKey: "yiwang.node"] = .string(configuration.nodeID)
        // The node runs on the hub's time, measured on every exchange (README "Clocks").
        let clock = HubReferencedClock(local: EdgeWallClock(), elapsed: SystemElapsedClock())
        let store = try EdgeStore(
            directory: configuration.dataDirectory, nodeID: configuration.nodeID, wallClock: clock, logger: logger)
        if let saved = try store.savedClockReference(bootID: SystemElapsedClock.bootID) { clock.restore(saved) }
        // The province's datasets and policies: the stored copy now, the hub's answer as soon as it comes.
        let grants = ProvinceGrants(configuration: configuration, store: store, logger: logger)
        // A city serving counties: their credentials as last stored, refreshed with the grants.
        let relay = configuration.relay.map { _ in RelayCounties(store: store, logger: logger) }
        let grantsService = GrantsService(
            configuration: configuration, grants: grants,
            transport: grantsTransport
                ?? CurlGrantsTransport(
                    url: CurlGrantsTransport.grantsURL(hubURL: configuration.hubURL),
                    configuration: configuration.transport.curl),
            relay: relay, logger: logger)
        let status = UplinkStatus()
        let transport =
            transport ?? CurlSyncTransport(url: configuration.syncURL, configuration: configuration.transport.curl)
        let uplink = UplinkService(
            configuration: configuration, store: store, transport: transport, status: status, logger: logger)
        let downlink = DownlinkService(
            configuration: configuration, store: store,
            transport: CurlDownlinkTransport(
                url: DownlinkService.changesURL(hubURL: configuration.hubURL),
                configuration: configuration.transport.downlinkCurl),
            grants: grants, logger: logger)
        var routes = EdgeRoutes(
            configuration: configuration, store: store, status: status, grants: grants, metricsText: metricsText)
        routes.relay = relay
        var relayServices: [any Service] = []
        if let settings = configuration.relay, let relay {
            let relayRoutes = RelayRoutes(
                store: store, counties: relay, grants: grants, maxClockAheadMs: settings.maxClockAheadMs,
                logger: logger)
            relayServices = try RelayServer.services(relay: settings, routes: relayRoutes, logger: logger)
        }
        let serverLogger = logger
        return Application(
            router: routes.router(),
            configuration: .init(
                address: .hostname(configuration.listenHost, port: configuration.listenPort),
                serverName: "yiwang-edge"),
            services: [
                uplink, grantsService, downlink,
                SystemdWatchdogService(notifier: notifier, component: "edge store", logger: logger) {
                    (try? await store.summary()) != nil
                },
            ] + relayServices,
            onServerRunning: { channel in
                let address = Self.address(channel, configuration)
                serverLogger.info("listening", metadata: ["yiwang.address": .string(address)])
                try? notifier.ready(status: "node \(configuration.nodeID) listening on \(address)")
            },
            logger: logger)
    }

    static func address(_ channel: any Channel, _ configuration: EdgeConfiguration) -> String {
        let host = channel.localAddress?.ipAddress ?? configuration.listenHost
        let port = channel.localAddress?.port ?? configuration.listenPort
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
