import GRDB
import YiwangCore

/// What applying one replica page did.
public struct ReplicaApplied: Sendable, Hashable {
    public var applied = 0
    public var ignored = 0
    public var conflicts = 0
    public var refused = 0
}

/// A relay's replica feed (`ReplicaPage`): the relay side numbers its records (`ReplicaPositionTable`) and
/// serves pages of them; the county side merges each page's full states as a snapshot page's held records are
/// merged, and keeps its position per upstream, in the page's own transaction.
extension EdgeStore {
    /// Turns this node's replica positions on (a relay, `relay_listen` set) or off.
    public func serveReplicaFeed(_ on: Bool) async throws(YiwangError) {
        try await write { db in try ReplicaPositionTable.enable(db, on) }
    }

    /// The records of `datasets` that changed after `since`, in the order they last changed (a relay's answer
    /// to a county's pull), at most `limit` and about `maxBytes`.
    public func replicaPage(since: Int64, datasets: Set<String>, limit: Int, maxBytes: Int = SnapshotPage.maxBytes)
        async throws(YiwangError) -> ReplicaPage
    {
        try await read { db in
            try ReplicaPositionTable.page(
                db, since: max(0, since), datasets: datasets, limit: max(1, limit), maxBytes: max(1, maxBytes))
        }
    }

    /// This node's position in `upstream`'s replica feed (0: it has pulled nothing from it yet).
    public func replicaCursor(upstream: String) async throws(YiwangError) -> Int64 {
        try await read { db in try EdgeMeta.int(db, EdgeMeta.replicaCursor(upstream)) ?? 0 }
    }

    /// Applies a page of `upstream`'s replica feed pulled from position `from`, in ONE transaction: each record's
    /// visible versions merged through `RecordTable.merge` (conflicts logged, a record counting this node beyond
    /// its own outbox refused), its stored vector joined with the page's, and the position moved to the page's
    /// cursor. Returns nil, applying nothing, when the stored position is no longer `from` (another pull won);
    /// refuses a page whose cursor goes back or past its own head. Nothing goes to the outbox.
    public func applyReplicaPage(_ page: ReplicaPage, upstream: String, from: Int64) async throws(YiwangError)
        -> ReplicaApplied?
    {
        guard page.cursor >= from, page.head >= page.cursor else {
            throw .invalidField(
                "cursor", "the relay's page moves the position from \(from) to \(page.cursor) (head \(page.head))")
        }
        let nowMs = wallClock.nowMs()
        return try await write { db in
            guard (try EdgeMeta.int(db, EdgeMeta.replicaCursor(upstream)) ?? 0) == from else { return nil }
            var tally = try HubPageTally(db, nodeID: self.nodeID, nowMs: nowMs)
            for entry in page.entries where tally.admits(entry.state.vector) {
                try self.mergeFullState(db, entry, tally: &tally)
            }
            try EdgeMeta.set(db, EdgeMeta.replicaCursor(upstream), page.cursor)
            try tally.finish(db, head: page.head, what: "record(s) from the relay", clock: self.clock)
            return ReplicaApplied(
                applied: tally.applied, ignored: tally.ignored, conflicts: tally.conflicts, refused: tally.refused)
        }
    }

    /// Merges a record's full state from upstream: each visible version through the same merge as the feed,
    /// then the stored vector joined with the record's joined vector (versions upstream holds only in that
    /// vector, re-delivered later, merge as ignored).
    func mergeFullState(_ db: Database, _ entry: SnapshotEntry, tally: inout HubPageTally) throws {
        let policy = policy(for: entry.dataset)
        var state = try RecordTable.load(db, dataset: entry.dataset, key: entry.key)
        for version in entry.state.visible {
            state = try tally.merge(db, version, into: state, policy: policy, clock: clock)
        }
        if var joined = state, !entry.state.vector.isCovered(by: joined.vector) {
            joined.vector = joined.vector.joined(with: entry.state.vector)
            try RecordTable.store(db, dataset: entry.dataset, key: entry.key, state: joined)
        }
    }
}
