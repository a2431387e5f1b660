import GRDB
import YiwangCore

/// The downlink's position as stored in the node's SQLite file.
public struct DownlinkSummary: Sendable, Hashable {
    /// The hub feed sequence applied through (0: nothing yet, or a resync was asked).
    public var cursor: Int64
    /// The hub feed's head at the last pull; nil before the first.
    public var head: Int64?
    /// When the last pull was answered (node clock, ms); nil before the first.
    public var lastPullMs: Int64?
    /// The last downlink error, cleared by the next successful pull.
    public var lastError: String?
    /// The snapshot bootstrap in progress, if any.
    public var snapshot: SnapshotProgress? = nil
    /// A snapshot is still to do (cursor 0, none finished since the last resync), even before its first page.
    public var snapshotPending = false
    /// Pages of the snapshot in progress applied so far (`EdgeStore+SnapshotStatus`).
    public var snapshotPages: Int64 = 0

    /// The upstream whose feed `cursor` counts in (`useDownlinkPosition`); nil before the first answer.
    public var upstream: String? = nil
    /// The positions kept for the other upstreams.
    public var parked: [ParkedPosition] = []

    /// Feed entries the node has yet to scan, as of the last pull.
    public var lag: Int64? { head.map { max(0, $0 - cursor) } }
}

/// What applying one feed page did.
public struct DownlinkApplied: Sendable, Hashable {
    /// Versions that changed this replica's state (conflicts included).
    public var applied: Int
    /// Versions already seen (duplicates, or obsolete).
    public var ignored: Int
    /// Conflict records appended to the local conflict log.
    public var conflicts: Int
    /// Versions refused, not merged: their vectors count this node beyond its own outbox (issue 13, class 3).
    public var refused: Int = 0
}

extension EdgeMeta {
    static let downlinkCursor = "downlink_cursor"
    static let downlinkHead = "downlink_head"
    static let lastPullMs = "downlink_last_pull_ms"
    static let downlinkError = "downlink_error"
    static let downlinkRefused = "downlink_refused"
}

extension EdgeStore {
    /// The hub feed sequence this node has applied through.
    public func downlinkCursor() async throws(YiwangError) -> Int64 {
        try await read { db in try EdgeMeta.int(db, EdgeMeta.downlinkCursor) ?? 0 }
    }

    public func downlinkSummary() async throws(YiwangError) -> DownlinkSummary {
        try await read { db in
            DownlinkSummary(
                cursor: try EdgeMeta.int(db, EdgeMeta.downlinkCursor) ?? 0,
                head: try EdgeMeta.int(db, EdgeMeta.downlinkHead),
                lastPullMs: try EdgeMeta.int(db, EdgeMeta.lastPullMs),
                lastError: try EdgeMeta.text(db, EdgeMeta.downlinkError),
                snapshot: try Self.snapshotProgress(db), snapshotPending: try Self.snapshotPending(db),
                snapshotPages: try Self.snapshotPages(db), upstream: try EdgeMeta.text(db, EdgeMeta.downlinkUpstream),
                parked: try UpstreamPositionTable.all(db))
        }
    }

    /// Applies one page of the hub's feed in ONE transaction: every version merged through `RecordTable.merge`
    /// with the dataset's policy, conflicts logged, the clock advanced past each version (so a later local
    /// write is causally after it), and the cursor moved from `from` to `to`. Nothing goes to the outbox.
    /// Returns nil, applying nothing, when the stored cursor is no longer `from` (a resync happened meanwhile)
    /// or, given `upstream` (the id of the upstream that served the page), the position in use is not its.
    public func applyDownlink(
        _ versions: [Version], from: Int64, to: Int64, head: Int64, upstream: String? = nil
    ) async throws(YiwangError) -> DownlinkApplied? {
        let nowMs = wallClock.nowMs()
        return try await write { db in
            guard (try EdgeMeta.int(db, EdgeMeta.downlinkCursor) ?? 0) == from,
                try Self.positionBelongs(db, to: upstream)
            else { return nil }
            var tally = try HubPageTally(db, nodeID: self.nodeID, nowMs: nowMs)
            for version in versions where tally.admits(version.vector) {
                let policy = self.policy(for: version.dataset)
                let state = try RecordTable.load(db, dataset: version.dataset, key: version.key)
                _ = try tally.merge(db, version, into: state, policy: policy, clock: self.clock)
            }
            try EdgeMeta.set(db, EdgeMeta.downlinkCursor, to)
            try tally.finish(db, head: head, what: "version(s) from the hub", clock: self.clock)
            return DownlinkApplied(
                applied: tally.applied, ignored: tally.ignored, conflicts: tally.conflicts, refused: tally.refused)
        }
    }

    /// Forgets the downlink position: the node bootstraps again from the hub's snapshot (or, from an older hub,
    /// re-pulls its feed from the beginning); merging is idempotent, so what is already held is simply ignored.
    /// The positions kept for the other upstreams are forgotten too (each starts from a snapshot of its own).
    public func resetDownlink() async throws(YiwangError) {
        try await write { db in
            try db.execute(sql: "DELETE FROM upstream_positions")
            try EdgeMeta.set(db, EdgeMeta.downlinkCursor, 0)
            try EdgeMeta.set(db, EdgeMeta.downlinkHead, nil)
            try EdgeMeta.set(db, EdgeMeta.snapshotDone, nil)  // a snapshot-capable hub bootstraps it again
            try Self.clearSnapshotProgress(db)
        }
        downlinkBell.ring()
    }

    /// Keeps the last downlink error for `GET /v1/status`.
    public func recordDownlinkError(_ message: String) async throws(YiwangError) {
        try await write { db in try EdgeMeta.set(db, EdgeMeta.downlinkError, message) }
    }
}
