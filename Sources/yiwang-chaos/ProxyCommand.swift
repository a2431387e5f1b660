import ArgumentParser
import Foundation
import Logging
import YiwangChaos

/// `yiwang-chaos proxy`: a TCP proxy with faults, driven over a small HTTP API.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "A TCP proxy between a node and its parent that injects faults on command.",
        discussion: """
            Faults are added with POST /faults on the control address. Each has a
            "direction" (upstream = node to parent, downstream = parent to node,
            both) and a "toxicity" (0..1: the chance that a connection is hit,
            drawn per connection from --seed). Types and their attributes:
              down        new connections closed at once, open ones reset
              blackhole   accepted, nothing passes (a partition: only timeouts)
              reset_peer  reset (RST) after timeout_ms (default 0)
              latency     latency_ms (required), jitter_ms (default 0)
              bandwidth   bytes_per_second (required)
              slicer      average_size (16), size_variation (0), delay_ms (1)
              limit_data  close once `bytes` (required) have passed
            Control API: GET /faults, POST /faults, DELETE /faults/NAME,
            DELETE /faults (heal all), GET /stats, GET /healthz. Example:
              curl -X POST 127.0.0.1:7475/faults \\
                -d '{"type":"latency","attributes":{"latency_ms":200}}'
            Once both sockets are bound it logs "listening" with
            yiwang.address=PROXY and yiwang.control=CONTROL.
            SIGTERM/SIGINT shut down gracefully.
            """)

    @Option(help: "Address the proxy listens on, HOST:PORT (port 0 picks a free port).")
    var listen: String

    @Option(help: "The parent to forward to, HOST:PORT.")
    var upstream: String

    @Option(help: "Address of the control API, HOST:PORT (port 0 picks a free port).")
    var control: String = "127.0.0.1:0"

    @Option(help: "Seed for the toxicity draws, jitter and slice sizes; the same seed reproduces a run.")
    var seed: UInt64 = 0

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else { fail("--log-level: unknown level '\(logLevel)'") }
        guard let listenAddress = HostPort(listen) else { fail("--listen: '\(listen)' is not HOST:PORT") }
        guard let upstreamAddress = HostPort(upstream), upstreamAddress.port > 0 else {
            fail("--upstream: '\(upstream)' is not HOST:PORT with a port above 0")
        }
        guard let controlAddress = HostPort(control) else { fail("--control: '\(control)' is not HOST:PORT") }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "yiwang-chaos")
        let configuration = ChaosProxyServer.Configuration(
            proxy: .init(listen: listenAddress, upstream: upstreamAddress, seed: seed), control: controlAddress)
        do {
            try await ChaosProxyServer.run(configuration: configuration, logger: logger)
        } catch {
            fail("\(error)")
        }
    }

    private func fail(_ line: String) -> Never {
        FileHandle.standardError.write(Data("yiwang-chaos: \(line)\n".utf8))
        Foundation.exit(1)
    }
}
