import Logging
import ServiceLifecycle
import YiwangHTTP
import YiwangStore

/// Keeps systemd informed (`Type=notify`): `WATCHDOG=1` every watchdog interval while the store still answers,
/// and `STOPPING=1` once graceful shutdown begins. `READY=1` is sent when the server is bound.
/// Does nothing (but wait for shutdown) when not run by systemd.
struct HubSystemdService: Service {
    let notifier: SystemdNotifier
    let store: HubStore
    let logger: Logger

    func run() async throws {
        let interval = notifier.isEnabled ? notifier.watchdogInterval : nil
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if let interval {
                if (try? await store.isHealthy()) == true {
                    try? notifier.watchdog()
                } else {
                    logger.error("hub store does not answer; withholding the systemd watchdog ping")
                }
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } else {
                try? await gracefulShutdown()
            }
        }
        try? notifier.stopping()
    }
}
