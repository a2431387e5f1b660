import Logging
import ServiceLifecycle
import YiwangCore
import YiwangStore

/// The hub's journal upkeep, every `compaction_interval`, off the batch writer's commit path (each step works in
/// short transactions of its own, so batches apply in between): compacts the journal (`HubStore.compact` with
/// `journal_retention`), prunes what is both archived and compacted (`HubStore.pruneArchived`) and gives the
/// pages back, purges the tombstones that are safe to purge (`ProvinceHub.purgeTombstones`), and deletes
/// conflict-log rows past `conflict_retention`. Stops at graceful shutdown; a pass cut short resumes where it
/// stopped. `GET /metrics` reads the journal's gauges fresh.
struct HubCompactionService: Service {
    let hub: ProvinceHub
    let logger: Logger

    init(hub: ProvinceHub, logger: Logger) {
        self.hub = hub
        self.logger = logger
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await pass()
                try? await Task.sleep(for: .milliseconds(max(1, hub.configuration.compactionIntervalMs)))
            }
        }
    }

    /// One pass; a failing step is logged and the next pass tries it again (the others still run).
    func pass() async {
        await step("journal compaction") {
            _ = try await hub.store.compact(
                nowMs: hub.clock.nowMs(), retentionMs: hub.configuration.journalRetentionMs)
        }
        await step("pruning archived journal entries") {
            var pruned = 0
            while !Task.isCancelled {
                let removed = try await hub.store.pruneArchived(maxRows: HubStore.pruneChunkRows)
                guard removed > 0 else { break }
                pruned += removed
            }
            if pruned > 0 { try await hub.store.reclaimFreePages() }
        }
        await step("tombstone purge") { _ = try await hub.purgeTombstones() }
        await step("conflict prune") { _ = try await hub.pruneConflicts() }
    }

    private func step(_ name: String, _ body: () async throws -> Void) async {
        do {
            try await body()
        } catch {
            logger.warning("\(name) failed", metadata: ["yiwang.error": "\(error)"])
        }
    }
}
