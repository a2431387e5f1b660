import GRDB
import YiwangCore

/// How far a snapshot bootstrap has come, stored in the node's file with every page it applied.
public struct SnapshotProgress: Sendable, Hashable {
    /// P, the snapshot's feed position: the downlink cursor once the last page is applied.
    public var position: Int64
    /// Where the next page starts.
    public var next: SnapshotToken
    /// Records applied from the snapshot's pages so far.
    public var records: Int64
}

/// What applying one snapshot page did.
public struct SnapshotApplied: Sendable, Hashable {
    /// Versions that changed this replica's state (conflicts included).
    public var applied = 0
    /// Versions already held (the node had them, or a newer state).
    public var ignored = 0
    /// Conflict records appended to the local conflict log (a local edit concurrent with the hub's state).
    public var conflicts = 0
    /// Records refused, not merged: their joined vector counts this node beyond its own outbox.
    public var refused = 0
    /// True when this was the last page: the downlink cursor is now the snapshot's position.
    public var finished = false
}

extension EdgeMeta {
    static let snapshotPosition = "snapshot_position"
    static let snapshotNext = "snapshot_next"
    static let snapshotRecords = "snapshot_records"
    /// Pages of the snapshot in progress applied so far.
    static let snapshotPages = "snapshot_pages"
    /// 1 once a snapshot's last page is applied (or the hub has none to give): the downlink pulls the feed
    /// even at cursor 0 (an empty hub's position). Cleared by a resync.
    static let snapshotDone = "snapshot_done"
}

extension EdgeStore {
    /// The snapshot in progress; nil when none is (not started, or finished).
    public func snapshotProgress() async throws(YiwangError) -> SnapshotProgress? {
        try await read { db in try Self.snapshotProgress(db) }
    }

    static func snapshotProgress(_ db: Database) throws -> SnapshotProgress? {
        guard let position = try EdgeMeta.int(db, EdgeMeta.snapshotPosition), position >= 0,
            let text = try EdgeMeta.text(db, EdgeMeta.snapshotNext),
            let next = try? SnapshotToken(parsing: Substring(text))
        else { return nil }
        return SnapshotProgress(
            position: position, next: next, records: max(0, try EdgeMeta.int(db, EdgeMeta.snapshotRecords) ?? 0))
    }

    /// Whether the downlink must bootstrap from a snapshot before pulling the feed: its cursor is 0 and no
    /// snapshot finished since the last resync.
    public func needsSnapshot() async throws(YiwangError) -> Bool {
        try await read { db in
            let cursor = try EdgeMeta.int(db, EdgeMeta.downlinkCursor) ?? 0
            let done = try EdgeMeta.int(db, EdgeMeta.snapshotDone) ?? 0
            return cursor == 0 && done == 0
        }
    }

    /// Records that the hub has no snapshot to give (an older hub): the downlink pulls the feed from 0.
    public func skipSnapshot() async throws(YiwangError) {
        try await write { db in
            try Self.clearSnapshotProgress(db)
            try EdgeMeta.set(db, EdgeMeta.snapshotDone, 1)
        }
    }

    static func clearSnapshotProgress(_ db: Database) throws {
        try EdgeMeta.set(db, EdgeMeta.snapshotPosition, nil)
        try EdgeMeta.set(db, EdgeMeta.snapshotNext, nil)
        try EdgeMeta.set(db, EdgeMeta.snapshotRecords, nil)
        try EdgeMeta.set(db, EdgeMeta.snapshotPages, nil)
    }

    /// Sends the downlink back through a snapshot: cursor 0 and no snapshot in progress (the hub's feed no
    /// longer holds what the node's cursor needs, or the hub refused the snapshot's position).
    public func restartSnapshot() async throws(YiwangError) {
        try await write { db in
            try EdgeMeta.set(db, EdgeMeta.downlinkCursor, 0)
            try EdgeMeta.set(db, EdgeMeta.downlinkHead, nil)
            try EdgeMeta.set(db, EdgeMeta.snapshotDone, nil)
            try Self.clearSnapshotProgress(db)
        }
    }

    /// Applies one snapshot page in ONE transaction. A record this node does not hold, with one visible
    /// version (nearly every record of a new node), is stored as the hub holds it, its joined vector included:
    /// exactly what merging that version into nothing would store, without the merge. Any other record (held
    /// here: a resynced or restored node; or with siblings, whose merge logs the conflicts the feed would have)
    /// has every visible version merged through `RecordTable.merge` (conflicts with local edits logged as
    /// usual), then its stored vector joined with the record's joined vector (so versions the hub holds only in
    /// that vector, and their re-delivery by the feed, merge as ignored). A record held here that the page lacks
    /// stays: absence proves nothing (a hub restored from an older copy, a grant mistake), so only what the
    /// hub states is applied. Then the progress is stored, and on the last
    /// page the downlink cursor set to the position. Returns nil, applying nothing, when the
    /// stored progress is not `expected` or the cursor is not 0 (a resync or another restart happened
    /// meanwhile), or, given `upstream`, the position in use is not that upstream's. Nothing goes to the outbox.
    public func applySnapshotPage(_ page: SnapshotPage, expected: SnapshotProgress?, upstream: String? = nil)
        async throws(YiwangError) -> SnapshotApplied?
    {
        let nowMs = wallClock.nowMs()
        let datasets = policies.withLock { Set($0.keys) }.union(page.entries.map(\.dataset))
        return try await write { db in
            guard (try EdgeMeta.int(db, EdgeMeta.downlinkCursor) ?? 0) == 0,
                (try EdgeMeta.int(db, EdgeMeta.snapshotDone) ?? 0) == 0, try Self.snapshotProgress(db) == expected,
                try Self.positionBelongs(db, to: upstream)
            else { return nil }
            if let expected, expected.position != page.position { return nil }
            var tally = try HubPageTally(db, nodeID: self.nodeID, nowMs: nowMs)
            let range = SnapshotPageRange(after: expected?.next, through: page.next)
            let held = try range.localRecords(db, datasets: datasets)
            for entry in page.entries {
                let id = RecordKey(dataset: entry.dataset, key: entry.key)
                guard tally.admits(entry.state.vector) else { continue }
                if entry.state.visible.count == 1, !held.contains(id) {
                    try self.insertAbsent(db, entry, tally: &tally)
                    continue
                }
                try self.mergeFullState(db, entry, tally: &tally)
            }
            var result = SnapshotApplied()
            let records = (expected?.records ?? 0).saturatingAdd(Int64(page.entries.count - tally.refused))
            if let next = page.next {
                try EdgeMeta.set(db, EdgeMeta.snapshotPosition, page.position)
                try EdgeMeta.set(db, EdgeMeta.snapshotNext, next.encoded)
                try EdgeMeta.set(db, EdgeMeta.snapshotRecords, records)
                let pages = expected == nil ? 0 : max(0, try EdgeMeta.int(db, EdgeMeta.snapshotPages) ?? 0)
                try EdgeMeta.set(db, EdgeMeta.snapshotPages, pages.saturatingAdd(1))
            } else {
                try Self.clearSnapshotProgress(db)
                try EdgeMeta.set(db, EdgeMeta.downlinkCursor, page.position)
                try EdgeMeta.set(db, EdgeMeta.snapshotDone, 1)
                result.finished = true
            }
            try tally.finish(db, head: page.readAt, what: "record(s) of the hub's snapshot", clock: self.clock)
            (result.applied, result.ignored, result.conflicts) = (tally.applied, tally.ignored, tally.conflicts)
            result.refused = tally.refused
            return result
        }
    }

    /// Stores a snapshot record this node does not hold, with its one visible version: the state merging that
    /// version into nothing stores, its vector joined with the record's (the clock advanced past it first).
    private func insertAbsent(_ db: Database, _ entry: SnapshotEntry, tally: inout HubPageTally) throws {
        let version = entry.state.visible[0]
        tally.receive(version, clock: clock)
        let vector =
            version.vector.isCovered(by: entry.state.vector)
            ? entry.state.vector : entry.state.vector.joined(with: version.vector)
        try RecordTable.store(
            db, dataset: entry.dataset, key: entry.key, state: RecordState(vector: vector, visible: [version]))
        tally.applied += 1
    }
}
