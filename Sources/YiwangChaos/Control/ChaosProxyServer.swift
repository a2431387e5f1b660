import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// `yiwang-chaos proxy`: a `FaultProxy` and its control API in one `ServiceGroup`, shut down gracefully on
/// SIGTERM/SIGINT (or when the calling task is cancelled).
public enum ChaosProxyServer {
    public struct Configuration: Sendable, Hashable {
        public var proxy: FaultProxy.Configuration
        /// Where the control API listens (port 0 picks a free port).
        public var control: HostPort

        public init(proxy: FaultProxy.Configuration, control: HostPort) {
            self.proxy = proxy
            self.control = control
        }
    }

    /// The bound addresses, given to `onListening` once both sockets accept.
    public struct Addresses: Sendable, Hashable {
        public var proxy: HostPort
        public var control: HostPort
    }

    /// Binds the proxy, then the control API; once both are bound logs "listening" with
    /// `yiwang.address` = the proxy's HOST:PORT and `yiwang.control` = the control API's, and calls
    /// `onListening`; serves until SIGTERM/SIGINT (when `handlesSignals`) or until the task is cancelled.
    public static func run(
        configuration: Configuration, logger: Logger,
        handlesSignals: Bool = true,
        onListening: @escaping @Sendable (Addresses) -> Void = { _ in }
    ) async throws {
        let proxy = FaultProxy(configuration: configuration.proxy, logger: logger)
        let proxyAddress = try await proxy.start()
        let control = configuration.control
        let app = Application(
            router: ControlRoutes.router(proxy: proxy),
            configuration: ApplicationConfiguration(
                address: .hostname(control.host, port: control.port), serverName: "yiwang-chaos"),
            onServerRunning: { channel in
                let controlAddress = HostPort(host: control.host, port: channel.localAddress?.port ?? control.port)
                logger.info("control listening", metadata: ["yiwang.control": "\(controlAddress)"])
                logger.info(
                    "listening",
                    metadata: [
                        "yiwang.address": "\(proxyAddress)", "yiwang.control": "\(controlAddress)",
                        "yiwang.upstream": "\(configuration.proxy.upstream)",
                        "yiwang.seed": "\(configuration.proxy.seed)",
                    ])
                onListening(Addresses(proxy: proxyAddress, control: controlAddress))
            },
            logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [proxy, app], gracefulShutdownSignals: handlesSignals ? [.sigterm, .sigint] : [],
                logger: logger))
        do {
            try await group.run()
        } catch {
            await proxy.stop()
            throw error
        }
        await proxy.stop()
        logger.info("stopped")
    }
}
