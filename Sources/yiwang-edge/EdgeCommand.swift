import ArgumentParser
import Foundation
import Logging
import YiwangCore
import YiwangEdge
import YiwangHTTP

/// `yiwang-edge`: the city/county node daemon. A flag beats the config file, which beats the default.
@main
struct EdgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yiwang-edge",
        abstract: "The Yiwang city/county node: serves local writes durably and ships them to the hub.",
        discussion: """
            Config file keys (YAML): \(EdgeConfiguration.fileKeys.joined(separator: ", ")).

            Durations are written 500ms, 5s, 5m, 1h or 1d. Logs go to stdout, one line per event; once bound \
            the node logs "listening" with yiwang.address=HOST:PORT. SIGTERM/SIGINT stop taking writes, finish \
            the batch in flight and exit 0. Under systemd (Type=notify) it reports READY, WATCHDOG and STOPPING.
            """)

    @Option(help: "This node's id (region code, [0-9A-Za-z._-]{1,64}).")
    var nodeId: String?

    @Option(help: "The hub's base URL, e.g. http://hub.example.gov:7400.")
    var hub: String?

    @Option(help: "Address of the local HTTP API, HOST:PORT (port 0 picks a free port). Default 127.0.0.1:0.")
    var listen: String?

    @Option(help: "Directory for the node's database (edge.sqlite).")
    var dataDir: String?

    @Option(
        help: """
            Comma-separated datasets this node holds, of those the province grants it. Default: every dataset \
            the hub's topology grants the node (learnt from the hub, kept in the node's database).
            """)
    var datasets: String?

    @Option(help: "Config file (YAML) with the same settings; flags given here override it.")
    var config: String?

    @Option(help: "Most changes in one batch to the hub. Default 5000.")
    var batchMaxChanges: Int?

    @Option(help: "Most bytes (uncompressed) in one batch to the hub. Default 4194304 (4 MiB).")
    var batchMaxBytes: Int?

    @Option(help: "How long to wait after a write for more to join the batch. Default 20ms.")
    var linger: String?

    @Option(help: "Heartbeat interval when nothing is pending. Default 5s.")
    var heartbeat: String?

    @Option(help: "How long acknowledged outbox entries are kept (for rewinds). Default 24h.")
    var retention: String?

    @Option(help: "First retry delay while the hub is unreachable (doubles, with jitter). Default 250ms.")
    var backoffBase: String?

    @Option(help: "Longest retry delay. Default 30s.")
    var backoffCap: String?

    @Option(help: "Connect timeout to the hub. Default 5s.")
    var connectTimeout: String?

    @Option(help: "Total timeout of one request to the hub. Default 30s.")
    var totalTimeout: String?

    @Option(help: "HTTP proxy for the hub connection, e.g. http://proxy.city.gov:3128. Default none.")
    var proxy: String?

    @Option(help: "PEM file of the CA that signed the hub's certificate.")
    var caFile: String?

    @Option(help: "PEM client certificate for mutual TLS.")
    var clientCert: String?

    @Option(help: "PEM private key of the client certificate.")
    var clientKey: String?

    @Option(help: "File holding this node's bearer token for the hub.")
    var tokenFile: String?

    @Option(
        help: """
            YAML file of the applications allowed to use the local API, each with its token's SHA-256 and the \
            actors it may write as (yiwangctl app-credential create). Required to listen off loopback.
            """)
    var appCredentialsFile: String?

    @Option(help: "Largest record value accepted, in bytes. Default 1048576.")
    var maxValueBytes: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. Default info.")
    var logLevel: String = "info"

    @Flag(help: "Check the configuration, print one line, and exit (0 when valid) without serving.")
    var checkConfig = false

    func run() async throws {
        guard DaemonSupport.bootstrapLogging(levelName: logLevel) else {
            fail("--log-level: unknown level '\(logLevel)'")
        }
        let logger = Logger(label: "yiwang-edge")
        let settings: EdgeConfiguration
        do {
            settings = try resolvedConfiguration()
        } catch {
            fail(error.description)
        }
        if checkConfig {
            print(
                "yiwang-edge: configuration ok: node \(settings.nodeID), hub \(settings.hubURL), "
                    + "datasets \(settings.datasets?.joined(separator: ",") ?? "as the province grants"), "
                    + "data in \(settings.dataDirectory)")
            return
        }
        let metricsText = EdgeApplication.bootstrapPrometheus()
        do {
            try await EdgeApplication.run(
                configuration: settings, metricsText: metricsText,
                notifier: SystemdNotifier(environment: ProcessInfo.processInfo.environment), logger: logger)
        } catch let error as YiwangError {
            fail(error.description)
        } catch {
            fail("\(error)")
        }
    }

    private func fail(_ line: String) -> Never {
        FileHandle.standardError.write(Data("yiwang-edge: \(line)\n".utf8))
        Foundation.exit(1)
    }
}
