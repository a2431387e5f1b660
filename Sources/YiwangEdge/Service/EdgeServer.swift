import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import YiwangCore
import YiwangHTTP

extension EdgeApplication {
    /// Opens the store, serves the API and runs the uplink until SIGTERM/SIGINT; returns once shut down
    /// (HTTP server first, then the uplink after its batch in flight).
    public static func run(
        configuration: EdgeConfiguration, metricsText: @escaping @Sendable () -> [UInt8] = { [] },
        notifier: SystemdNotifier = SystemdNotifier(environment: [:]), logger: Logger
    ) async throws {
        let app = try make(configuration: configuration, metricsText: metricsText, notifier: notifier, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("stopped", metadata: ["yiwang.node": .string(configuration.nodeID)])
    }

    /// Bootstraps swift-metrics with a Prometheus registry and returns the renderer for `GET /metrics`.
    /// Call once, from the executable (libraries never bootstrap).
    public static func bootstrapPrometheus() -> @Sendable () -> [UInt8] {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return { registry.emitToBuffer() }
    }
}
