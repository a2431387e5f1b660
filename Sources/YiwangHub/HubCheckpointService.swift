import Logging
import ServiceLifecycle
import YiwangStore

/// Checkpoints `hub.sqlite`'s WAL from a connection of its own (`WALCheckpointer.run`), so the batch writer
/// does not copy pages on its commit path. Stops at graceful shutdown; the store's close does the last
/// checkpoint.
struct HubCheckpointService: Service {
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
        await cancelWhenGracefulShutdown { await checkpointer.run(logger: logger) }
    }
}
