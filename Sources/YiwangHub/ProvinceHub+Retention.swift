import YiwangCore
import YiwangStore

extension ProvinceHub {
    /// Each topology node's granted datasets: who may hold which records (`TombstonePurge`).
    var grantsByNode: [String: Set<String>] {
        Dictionary(topology.nodes.map { ($0.id, Set($0.datasets)) }, uniquingKeysWith: { $0.union($1) })
    }

    /// Purges the tombstones every node that may hold them has had (README "Deletes and tombstones"), at most
    /// `maxRows`; for the compaction service, after it moves the journal's compaction horizon.
    public func purgeTombstones(maxRows: Int = 10_000) async throws -> TombstonePurgeResult {
        try await store.purgeTombstones(grants: grantsByNode, nowMs: clock.nowMs(), maxRows: maxRows)
    }

    /// Deletes the conflicts older than `conflict_retention` (hub clock); returns how many went.
    public func pruneConflicts(maxRows: Int = 100_000) async throws -> Int {
        try await store.pruneConflicts(
            beforeMs: clock.nowMs().saturatingSubtract(configuration.conflictRetentionMs), maxRows: maxRows)
    }
}
