import Logging
import ServiceLifecycle
import YiwangCore
import YiwangStore

/// Deletes conflict-log rows older than `conflict_retention` (`ProvinceHub.pruneConflicts`), at start and then
/// every `interval`, off the batch writer's commit path (in short transactions of their own). Until the
/// journal's compaction service exists, this is where the hub's conflict log is bounded; that service may take
/// it over, and calls `ProvinceHub.purgeTombstones` after each compaction.
struct HubRetentionService: Service {
    let hub: ProvinceHub
    var interval: Duration = .seconds(60)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    _ = try await hub.pruneConflicts()
                } catch {
                    hub.logger.warning("conflict prune failed", metadata: ["yiwang.error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
