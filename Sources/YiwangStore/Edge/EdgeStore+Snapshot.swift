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

    /// Applies one snapshot page in ONE transaction: for each record, every visible version merged through
    /// `RecordTable.merge` (conflicts with local edits logged as usual), then the stored vector joined with the
    /// record's joined vector (so versions the hub holds only in that vector, and their re-delivery by the feed,
    /// merge as ignored); the progress stored, and on the last page the downlink cursor set to the position.
    /// Returns nil, applying nothing, when the stored progress is not `expected` or the cursor is not 0 (a
    /// resync or another restart happened meanwhile). Nothing goes to the outbox.
    public func applySnapshotPage(_ page: SnapshotPage, expected: SnapshotProgress?) async throws(YiwangError)
        -> SnapshotApplied?
    {
        let nowMs = wallClock.nowMs()
        return try await write { db in
            guard (try EdgeMeta.int(db, EdgeMeta.downlinkCursor) ?? 0) == 0,
                (try EdgeMeta.int(db, EdgeMeta.snapshotDone) ?? 0) == 0, try Self.snapshotProgress(db) == expected
            else { return nil }
            if let expected, expected.position != page.position { return nil }
            var result = SnapshotApplied()
            let ownHighest = UInt64(max(0, try EdgeMeta.int(db, EdgeMeta.highestSeq) ?? 0))
            var refusedClaim: UInt64 = 0
            for entry in page.entries {
                // As `applyDownlink`: a state counting this node beyond its outbox claims writes never made here.
                let claimed = entry.state.vector.counter(for: self.nodeID)
                if claimed > ownHighest {
                    result.refused += 1
                    refusedClaim = max(refusedClaim, claimed)
                    continue
                }
                let policy = self.policy(for: entry.dataset)
                var state = try RecordTable.load(db, dataset: entry.dataset, key: entry.key)
                for version in entry.state.visible {
                    _ = self.clock.withLock { clock in try? clock.receive(version.hlc, wallMs: nowMs) }
                    let outcome = try RecordTable.merge(db, version, into: state, policy: policy)
                    switch outcome {
                    case .applied: result.applied += 1
                    case .ignored: result.ignored += 1
                    case .conflict(_, let conflicts):
                        result.applied += 1
                        result.conflicts += conflicts.count
                        for conflict in conflicts { try ConflictTable.append(db, conflict, atMs: nowMs) }
                    }
                    if let newState = outcome.newState { state = newState }
                }
                if var joined = state, !entry.state.vector.isCovered(by: joined.vector) {
                    joined.vector = joined.vector.joined(with: entry.state.vector)
                    try RecordTable.store(db, dataset: entry.dataset, key: entry.key, state: joined)
                }
            }
            let records = (expected?.records ?? 0).saturatingAdd(Int64(page.entries.count - result.refused))
            if let next = page.next {
                try EdgeMeta.set(db, EdgeMeta.snapshotPosition, page.position)
                try EdgeMeta.set(db, EdgeMeta.snapshotNext, next.encoded)
                try EdgeMeta.set(db, EdgeMeta.snapshotRecords, records)
            } else {
                try Self.clearSnapshotProgress(db)
                try EdgeMeta.set(db, EdgeMeta.downlinkCursor, page.position)
                try EdgeMeta.set(db, EdgeMeta.snapshotDone, 1)
                result.finished = true
            }
            try EdgeMeta.set(db, EdgeMeta.downlinkHead, page.readAt)
            try EdgeMeta.set(db, EdgeMeta.lastPullMs, nowMs)
            if result.refused > 0 {
                let total = (try EdgeMeta.int(db, EdgeMeta.downlinkRefused) ?? 0).saturatingAdd(Int64(result.refused))
                try EdgeMeta.set(db, EdgeMeta.downlinkRefused, total)
                try EdgeMeta.set(
                    db, EdgeMeta.downlinkError,
                    "refused \(result.refused) record(s) of the hub's snapshot counting this node at \(refusedClaim), "
                        + "beyond its own outbox (highest sequence \(ownHighest)); was its data restored from an older copy?")
            } else {
                try EdgeMeta.set(db, EdgeMeta.downlinkError, nil)
            }
            try EdgeMeta.set(db, EdgeMeta.lastHLC, self.clock.withLock { $0.last.packed })
            return result
        }
    }
}
