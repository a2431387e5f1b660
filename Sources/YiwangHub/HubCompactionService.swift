import Logging
import ServiceLifecycle
import YiwangCore
import YiwangStore

/// Compacts the hub's journal every `compaction_interval` (`HubStore.compact` with `journal_retention`), off the
/// batch writer's commit path: each pass works in transactions of at most `HubStore.compactionChunkRows`
/// entries, so batches apply in between (`GET /metrics` reads the journal's gauges fresh). Stops at graceful
/// shutdown; a pass cut short resumes where it stopped.
struct HubCompactionService: Service {
    let store: HubStore
    let clock: any WallClock
    let retentionMs: Int64
    let intervalMs: Int64
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await pass()
                try? await Task.sleep(for: .milliseconds(max(1, intervalMs)))
            }
        }
    }

    /// One compaction; a failure is logged and the next pass tries again.
    func pass() async {
        do {
            _ = try await store.compact(nowMs: clock.nowMs(), retentionMs: retentionMs)
        } catch {
            logger.warning("journal compaction failed", metadata: ["yiwang.error": "\(error)"])
        }
    }
}
