import Logging
import ServiceLifecycle
import YiwangCore
import YiwangStore

/// Deletes conflict-log rows older than `conflict_retention`, at start and then every `interval`, off the batch
/// writer's commit path (in short transactions of their own, `HubStore.pruneConflicts`). Until the journal's
/// compaction service exists, this is where the hub's conflict log is bounded; that service may take it over.
struct HubRetentionService: Service {
    let store: HubStore
    let retentionMs: Int64
    let clock: any WallClock
    let logger: Logger
    var interval: Duration = .seconds(60)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    _ = try await store.pruneConflicts(beforeMs: clock.nowMs().saturatingSubtract(retentionMs))
                } catch {
                    logger.warning("conflict prune failed", metadata: ["yiwang.error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
