import Logging
import ServiceLifecycle
import YiwangStore

/// Checkpoints `hub.sqlite`'s WAL every 50 ms from a connection of its own (`WALCheckpointer`), so the batch
/// writer does not copy pages on its commit path. Stops at graceful shutdown; the store's close does the
/// last checkpoint.
struct HubCheckpointService: Service {
    static let interval: Duration = .milliseconds(50)

    let path: String
    let logger: Logger

    func run() async throws {
        let checkpointer: WALCheckpointer
        do {
            checkpointer = try WALCheckpointer(path: path)
        } catch {
            logger.warning(
                "cannot open a checkpoint connection; the writer checkpoints alone",
                metadata: ["yiwang.error": "\(error)"])
            try? await gracefulShutdown()
            return
        }
        var lastError: String?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await checkpointer.checkpoint()
                lastError = nil
            } catch {
                let message = "\(error)"
                if message != lastError {  // once per distinct failure, not every 50 ms
                    logger.warning("WAL checkpoint failed", metadata: ["yiwang.error": .string(message)])
                }
                lastError = message
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.interval) }
        }
        try? checkpointer.close()
    }
}
