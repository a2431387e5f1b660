import ArgumentParser
import Foundation
import Logging
import YiwangCore
import YiwangHTTP
import YiwangHub

/// `yiwang-hub`: the province hub daemon. A flag beats the environment, which beats the config file, which beats
/// the default (`HubConfiguration.load`).
@main
struct HubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yiwang-hub",
        abstract: "The Yiwang province hub: merges the nodes' change streams and reports who is real-time.",
        discussion: """
            Every setting is a config file key (YAML, documented in config/hub.yaml), an environment variable \
            YIWANG_<KEY> and, for most, a flag: a flag beats the environment, which beats the file. Keys: \
            \(HubConfiguration.keys.map(\.name).joined(separator: ", ")).

            Durations always take a unit: 250ms, 5s, 2m, 1h or 12d (a bare number is refused). Logs go to \
            stdout, one line per event; once bound the hub logs "listening" with yiwang.address=HOST:PORT. \
            SIGTERM/SIGINT shut down gracefully.
            """)

    @Option(help: "Config file (YAML) with the same settings; the environment (YIWANG_<KEY>) and flags override it.")
    var config: String?

    // The configuration flags: help from the key table, applied by its reader (`ConfigFlags.given`).
    @Option(help: ArgumentHelp(HubConfiguration.help("listen"))) var listen: String?
    @Option(help: ArgumentHelp(HubConfiguration.help("data_dir"))) var dataDir: String?
    @Option(help: ArgumentHelp(HubConfiguration.help("topology"))) var topology: String?
    @Option(help: ArgumentHelp(HubConfiguration.help("realtime_within"))) var realtimeWithin: String?
    @Option(help: ArgumentHelp(HubConfiguration.help("offline_after"))) var offlineAfter: String?
    @Option(help: ArgumentHelp(HubConfiguration.help("stale_after"))) var staleAfter: String?
    @Option(help: ArgumentHelp(HubConfiguration.help("max_body_bytes"))) var maxBodyBytes: String?
    @Option(help: ArgumentHelp(HubConfiguration.help("body_read_timeout"))) var bodyReadTimeout: String?
    @Option(help: ArgumentHelp(HubConfiguration.help("body_budget_bytes"))) var bodyBudgetBytes: String?
    @Option(help: ArgumentHelp(HubConfiguration.help("max_clock_ahead"))) var maxClockAhead: String?
    @Option(help: ArgumentHelp(HubConfiguration.help("journal_retention"))) var journalRetention: String?
    @Option(help: ArgumentHelp(HubConfiguration.help("compaction_interval"))) var compactionInterval: String?
    @Option(help: ArgumentHelp(HubConfiguration.help("conflict_retention"))) var conflictRetention: String?
    @Option(help: ArgumentHelp(HubConfiguration.help("auth"))) var auth: String?
    @Option(help: ArgumentHelp(HubConfiguration.help("tls_cert"))) var tlsCert: String?
    @Option(help: ArgumentHelp(HubConfiguration.help("tls_key"))) var tlsKey: String?
    @Option(help: ArgumentHelp(HubConfiguration.help("tls_client_ca"))) var tlsClientCa: String?

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
            let configuration = try HubConfiguration.load(
                file: config, environment: ProcessInfo.processInfo.environment, flags: ConfigFlags.given(in: self))
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

    private func fail(_ line: String) -> Never {
        FileHandle.standardError.write(Data("yiwang-hub: \(line)\n".utf8))
        Foundation.exit(1)
    }
}
