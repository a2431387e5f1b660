import Logging
import ServiceLifecycle
import YiwangHTTP
import YiwangStore

/// Keeps systemd informed (`Type=notify`): `WATCHDOG=1` every watchdog interval while the store still answers,
/// and `STOPPING=1` once graceful shutdown begins. `READY=1` is sent by the server when it is bound.
/// Does nothing (but wait for shutdown) when not run by systemd.
struct SystemdService: Service {
    let notifier: SystemdNotifier
    let store: EdgeStore
    let logger: Logger

    func run() async throws {
        let interval = notifier.isEnabled ? notifier.watchdogInterval : nil
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if let interval {
                if (try? store.summary()) != nil {
                    try? notifier.watchdog()
                } else {
                    logger.error("edge store does not answer; withholding the systemd watchdog ping")
                }
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } else {
                try? await gracefulShutdown()
            }
        }
        try? notifier.stopping()
    }
}
