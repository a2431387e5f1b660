import YiwangCore
import YiwangStore

extension ProvinceHub {
    /// One page of the snapshot of `node`'s granted datasets (README "Running a hub", Snapshots). The first
    /// page (`position` nil) fixes the snapshot's position P: the feed head read in the page's own transaction.
    /// A later page carries P back; it is refused when P is past the head (the hub was restored from an older
    /// copy: `invalid_field` `position`) or older than the horizon (compaction passed it while the node paged:
    /// `snapshot_required`, start again). Each page's states are as of its own read, never older than P.
    public func snapshot(node: String, position: Int64?, after: SnapshotToken?, limit: Int) async throws
        -> SnapshotPage
    {
        guard topology.node(node) != nil else { throw YiwangError.unknownNode(node) }
        let datasets = topology.grants(for: node)
        let read = try await store.snapshotPage(datasets: datasets, after: after, limit: limit)
        if let position {
            guard position <= read.head else {
                throw YiwangError.invalidField(
                    "position",
                    "position \(position) is past the feed's head \(read.head) (was the hub restored from an older "
                        + "copy?): start the snapshot again without position")
            }
            guard position >= read.horizon else {
                throw YiwangError(
                    code: .snapshotRequired, field: "position",
                    message: "the snapshot's position \(position) is older than the feed's horizon \(read.horizon) "
                        + "(compacted while the node paged): start the snapshot again")
            }
        } else if after != nil {
            throw YiwangError.invalidField("position", "a page after the first needs the snapshot's position")
        }
        // While it pages, the node holds only what the pages gave it: its downlink cursor is 0 (the report shows
        // it behind, and no tombstone of its datasets is purged, `TombstonePurge`, until it reaches the feed).
        // Recorded after the page is read: a purge meanwhile needed the node's earlier cursor past the tombstone.
        // A later page granted a dataset the earlier ones were not served is refused (`snapshot_required`): the
        // pages before skipped its records.
        try await store.recordPull(
            node: node, cursor: 0, datasets: datasets, continues: position != nil,
            snapshotPosition: position ?? read.head, nowMs: clock.nowMs())
        metrics.recordSnapshotPage(first: position == nil)
        return SnapshotPage(position: position ?? read.head, readAt: read.head, next: read.next, entries: read.entries)
    }
}
