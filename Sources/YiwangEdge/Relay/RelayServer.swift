import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import YiwangCore
import YiwangHTTP
import YiwangStore

/// A city's relay listener (`relay_listen`), apart from the node's local application API: its own address,
/// its own TLS (`relay_tls_cert` / `relay_tls_key`, re-read on SIGHUP), the counties' routes (`RelayRoutes`).
enum RelayServer {
    /// The listener's application and, with TLS, the service that reloads its certificate.
    static func services(
        relay: EdgeConfiguration.Relay, routes: RelayRoutes, logger: Logger
    ) throws(YiwangError) -> [any Service] {
        let tls = relay.servesTLS
            ? try ServerTLS(
                files: .init(
                    certificate: relay.tlsCertificateFile, key: relay.tlsKeyFile, certificateKey: "relay_tls_cert",
                    keyKey: "relay_tls_key"))
            : nil
        let application = Application(
            router: routes.router(), server: ServerTLS.serverBuilder(tls),
            configuration: .init(address: .hostname(relay.host, port: relay.port), serverName: "yiwang-relay"),
            onServerRunning: { channel in
                let host = channel.localAddress?.ipAddress ?? relay.host
                let port = channel.localAddress?.port ?? relay.port
                let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
                logger.info(
                    "relay listening",
                    metadata: ["yiwang.relay_address": .string(address), "yiwang.tls": .stringConvertible(tls != nil)])
            },
            logger: logger)
        var services: [any Service] = [application]
        if let tls { services.append(ServerTLSReloadService(tls: tls, logger: logger)) }
        return services
    }
}
