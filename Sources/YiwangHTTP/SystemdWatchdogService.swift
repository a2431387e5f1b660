import Logging
import ServiceLifecycle

/// Keeps systemd informed (`Type=notify`) for either daemon: `WATCHDOG=1` every watchdog interval while
/// `isHealthy` (the daemon's store still answers) says so, and `STOPPING=1` once graceful shutdown begins.
/// `READY=1` is sent by the server when it is bound. Does nothing (but wait for shutdown) when not run by
/// systemd. A store that stops answering is logged and its ping withheld, so systemd restarts the daemon
/// after `WatchdogSec`.
public struct SystemdWatchdogService: Service {
    let notifier: SystemdNotifier
    /// Named in the log line when the health check fails, e.g. "edge store".
    let component: String
    let isHealthy: @Sendable () async -> Bool
    let logger: Logger

    public init(
        notifier: SystemdNotifier, component: String, logger: Logger, isHealthy: @escaping @Sendable () async -> Bool
    ) {
        self.notifier = notifier
        self.component = component
        self.logger = logger
        self.isHealthy = isHealthy
    }

    public func run() async throws {
        let interval = notifier.isEnabled ? notifier.watchdogInterval : nil
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if let interval {
                if await isHealthy() {
                    try? notifier.watchdog()
                } else {
                    logger.error(
                        "store does not answer; withholding the systemd watchdog ping",
                        metadata: ["yiwang.component": "\(component)"])
                }
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } else {
                try? await gracefulShutdown()
            }
        }
        try? notifier.stopping()
    }
}
