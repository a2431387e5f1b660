import ArgumentParser
import Foundation
import Logging
import YiwangCore
import YiwangEdge
import YiwangHTTP

/// `yiwang-edge`: the city/county node daemon. A flag beats the environment, which beats the config file, which
/// beats the default (`EdgeConfiguration.load`).
@main
struct EdgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yiwang-edge",
        abstract: "The Yiwang city/county node: serves local writes durably and ships them to the hub.",
        discussion: """
            Every setting is a config file key (YAML, documented in config/edge-city.yaml), an environment \
            variable YIWANG_<KEY> and, but for policies, a flag: a flag beats the environment, which beats the \
            file. Keys: \(EdgeConfiguration.keys.map(\.name).joined(separator: ", ")).

            Durations always take a unit: 250ms, 5s, 2m, 1h or 12d (a bare number is refused). Logs go to \
            stdout, one line per event; once bound the node logs "listening" with yiwang.address=HOST:PORT. \
            SIGTERM/SIGINT stop taking writes, finish the batch in flight and exit 0. Under systemd \
            (Type=notify) it reports READY, WATCHDOG and STOPPING.
            """)

    @Option(help: "Config file (YAML) with the same settings; the environment (YIWANG_<KEY>) and flags override it.")
    var config: String?

    // The configuration flags: help from the key table, applied by its reader (`ConfigFlags.given`).
    @Option(help: ArgumentHelp(EdgeConfiguration.help("node_id"))) var nodeId: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("hub"))) var hub: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("listen"))) var listen: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("data_dir"))) var dataDir: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("datasets"))) var datasets: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("batch_max_changes"))) var batchMaxChanges: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("batch_max_bytes"))) var batchMaxBytes: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("linger"))) var linger: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("heartbeat"))) var heartbeat: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("retention"))) var retention: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("conflict_retention"))) var conflictRetention: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("backoff_base"))) var backoffBase: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("backoff_cap"))) var backoffCap: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("connect_timeout"))) var connectTimeout: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("total_timeout"))) var totalTimeout: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("proxy"))) var proxy: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("ca_file"))) var caFile: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("client_cert"))) var clientCert: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("client_key"))) var clientKey: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("token_file"))) var tokenFile: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("app_credentials_file"))) var appCredentialsFile: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("max_value_bytes"))) var maxValueBytes: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("relay_listen"))) var relayListen: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("relay_tls_cert"))) var relayTlsCert: String?
    @Option(help: ArgumentHelp(EdgeConfiguration.help("relay_tls_key"))) var relayTlsKey: String?

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
            settings = try EdgeConfiguration.load(
                file: config, environment: ProcessInfo.processInfo.environment, flags: ConfigFlags.given(in: self))
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
