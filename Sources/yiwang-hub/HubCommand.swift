import ArgumentParser
import Foundation
import Logging
import YiwangCore
import YiwangHTTP
import YiwangHub

/// `yiwang-hub`: the province hub daemon. A flag beats the config file, which beats the default.
@main
struct HubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yiwang-hub",
        abstract: "The Yiwang province hub: merges the nodes' change streams and reports who is real-time.",
        discussion: """
            Config file keys (YAML): \(HubConfiguration.fileKeys.joined(separator: ", ")).
            Durations are written 500ms, 30s, 5m, 1h or 12d. Logs go to stdout, one line per event; once bound
            the hub logs "listening" with yiwang.address=HOST:PORT. SIGTERM/SIGINT shut down gracefully.
            """)

    @Option(help: "Address to serve HTTP on, HOST:PORT (port 0 picks a free port). Default 127.0.0.1:7400.")
    var listen: String?

    @Option(help: "Directory for the hub database (hub.sqlite). Default ./yiwang-hub-data.")
    var dataDir: String?

    @Option(help: "Topology file (YAML): the hub, every expected node, and each dataset's policy.")
    var topology: String?

    @Option(help: "Config file (YAML) with the same settings; flags given here override it.")
    var config: String?

    @Option(help: "A node is real-time when in contact and its data age is within this. Default 30s.")
    var realtimeWithin: String?

    @Option(help: "A node is offline after no contact for this long. Default 5m.")
    var offlineAfter: String?

    @Option(help: "A node is stale when its data age is over this, heartbeats or not. Default 1h.")
    var staleAfter: String?

    @Option(help: "Largest sync request body accepted, in bytes. Default 33554432 (32 MiB).")
    var maxBodyBytes: Int?

    @Option(help: "How long one sync body may take to arrive before it is refused (408). Default 30s.")
    var bodyReadTimeout: String?

    @Option(help: "Sync body bytes held at once across all nodes (arriving or applying); past it, 503. Default 128 MiB.")
    var bodyBudgetBytes: Int?

    @Option(help: "Credentials: auto (required once any is issued, or off loopback), on, off (loopback only).")
    var auth: String?

    @Option(help: "TLS certificate chain (PEM); with --tls-key the hub serves HTTPS only. SIGHUP re-reads both.")
    var tlsCert: String?

    @Option(help: "TLS private key (PEM), e.g. a systemd credential under $CREDENTIALS_DIRECTORY.")
    var tlsKey: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. Default info.")
    var logLevel: String = "info"

    @Flag(help: "Check the config and the topology, print one line, and exit (0 when valid) without serving.")
    var checkConfig = false

    func run() async throws {
        guard DaemonSupport.bootstrapLogging(levelName: logLevel) else {
            fail("--log-level: unknown level '\(logLevel)'")
        }
        let logger = Logger(label: "yiwang-hub")
        do {
            let configuration = try resolvedConfiguration()
            if checkConfig {
                let topology = try HubServer.check(configuration: configuration)
                print(
                    "yiwang-hub: configuration ok: hub \(topology.hub.id), \(topology.nodes.count) nodes, "
                        + "\(topology.policies.count) datasets")
                return
            }
            try await HubServer.run(
                configuration: configuration,
                environment: ProcessInfo.processInfo.environment, logger: logger)
        } catch let error as YiwangError {
            fail(error.description)
        } catch {
            fail("\(error)")
        }
    }

    /// Defaults, then the config file, then the flags.
    func resolvedConfiguration() throws(YiwangError) -> HubConfiguration {
        var settings = HubConfiguration()
        if let config { try settings.apply(file: config) }
        func duration(_ text: String?, flag: String) throws(YiwangError) -> Int64? {
            guard let text else { return nil }
            guard let ms = DurationText.milliseconds(text) else {
                throw .invalidConfig(file: nil, key: flag, "'\(text)' is not a duration (e.g. 30s, 5m, 1h)")
            }
            return ms
        }
        if let listen {
            guard let (host, port) = HubConfiguration.parseListen(listen) else {
                throw .invalidConfig(file: nil, key: "--listen", "'\(listen)' is not HOST:PORT")
            }
            settings.host = host
            settings.port = port
        }
        if let dataDir { settings.dataDirectory = dataDir }
        if let topology { settings.topologyPath = topology }
        if let ms = try duration(realtimeWithin, flag: "--realtime-within") { settings.thresholds.realtimeWithinMs = ms }
        if let ms = try duration(offlineAfter, flag: "--offline-after") { settings.thresholds.offlineAfterMs = ms }
        if let ms = try duration(staleAfter, flag: "--stale-after") { settings.thresholds.staleAfterMs = ms }
        if let maxBodyBytes { settings.maxBodyBytes = maxBodyBytes }
        if let ms = try duration(bodyReadTimeout, flag: "--body-read-timeout") { settings.bodyReadTimeoutMs = ms }
        if let bodyBudgetBytes { settings.bodyBudgetBytes = bodyBudgetBytes }
        if let auth {
            guard let mode = HubSecurityConfiguration.AuthMode(rawValue: auth) else {
                throw .invalidConfig(file: nil, key: "--auth", "'\(auth)' is not auto, on or off")
            }
            settings.security.auth = mode
        }
        if let tlsCert { settings.security.tlsCertificateFile = tlsCert }
        if let tlsKey { settings.security.tlsKeyFile = tlsKey }
        try settings.validate(file: config)
        return settings
    }

    private func fail(_ line: String) -> Never {
        FileHandle.standardError.write(Data("yiwang-hub: \(line)\n".utf8))
        Foundation.exit(1)
    }
}
