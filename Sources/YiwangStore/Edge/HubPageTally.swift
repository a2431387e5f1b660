import GRDB
import Synchronization
import YiwangCore

/// What applying one page from the hub (a feed page or a snapshot page) did so far, and the steps both apply
/// paths share: the refusal of states counting this node beyond its outbox, the merge with its clock and
/// conflict bookkeeping, and the downlink fields stored at the end of the page.
struct HubPageTally {
    /// Versions (or records) that changed this replica's state, conflicts included.
    var applied = 0
    /// Versions already held (duplicates, obsolete, or a newer state here).
    var ignored = 0
    /// Conflict records appended to the local conflict log.
    var conflicts = 0
    /// Versions (or records) refused, not merged.
    var refused = 0
    /// The highest counter of this node a refused vector claimed.
    var refusedClaim: UInt64 = 0
    /// The highest outbox sequence this node ever wrote: its own counter in any vector it may receive.
    let ownHighest: UInt64
    let nodeID: String
    let nowMs: Int64

    init(_ db: Database, nodeID: String, nowMs: Int64) throws {
        ownHighest = UInt64(max(0, try EdgeMeta.int(db, EdgeMeta.highestSeq) ?? 0))
        self.nodeID = nodeID
        self.nowMs = nowMs
    }

    /// Whether `vector` may be merged. This node's counter is its outbox sequence: a vector counting it beyond
    /// the highest sequence it ever wrote claims writes that never happened here (issue 13, class 3), and would
    /// make the next ones look obsolete; it is counted as refused.
    mutating func admits(_ vector: VersionVector) -> Bool {
        let claimed = vector.counter(for: nodeID)
        guard claimed > ownHighest else { return true }
        refused += 1
        refusedClaim = max(refusedClaim, claimed)
        return false
    }

    /// Merges `version` into `state` (the record's state in this transaction) through `RecordTable.merge`,
    /// the clock advanced past it first (`receive`), conflicts logged; returns the record's state after it.
    mutating func merge(
        _ db: Database, _ version: Version, into state: RecordState?, policy: MergePolicy,
        clock: borrowing Mutex<HybridLogicalClock>
    ) throws -> RecordState? {
        receive(version, clock: clock)
        let outcome = try RecordTable.merge(db, version, into: state, policy: policy)
        switch outcome {
        case .applied: applied += 1
        case .ignored: ignored += 1
        case .conflict(_, let records):
            applied += 1
            conflicts += records.count
            for conflict in records { try ConflictTable.append(db, conflict, atMs: nowMs) }
        }
        return outcome.newState ?? state
    }

    /// Advances the clock past `version` (so a later local write is causally after it); a reading too far
    /// ahead is not trusted, and the version still merges (as `mergeRemote` does).
    func receive(_ version: Version, clock: borrowing Mutex<HybridLogicalClock>) {
        let nowMs = nowMs
        _ = clock.withLock { clock in try? clock.receive(version.hlc, wallMs: nowMs) }
    }

    /// Stores the end of the page: the hub's head, the pull's time, the refusals (a running total and the
    /// error `GET /v1/status` shows, naming `what` was refused) or no error, and the clock's last reading.
    func finish(_ db: Database, head: Int64, what: String, clock: borrowing Mutex<HybridLogicalClock>) throws {
        try EdgeMeta.set(db, EdgeMeta.downlinkHead, head)
        try EdgeMeta.set(db, EdgeMeta.lastPullMs, nowMs)
        if refused > 0 {
            let total = (try EdgeMeta.int(db, EdgeMeta.downlinkRefused) ?? 0).saturatingAdd(Int64(refused))
            try EdgeMeta.set(db, EdgeMeta.downlinkRefused, total)
            try EdgeMeta.set(
                db, EdgeMeta.downlinkError,
                "refused \(refused) \(what) counting this node at \(refusedClaim), beyond its own outbox (highest "
                    + "sequence \(ownHighest)); was its data restored from an older copy?")
        } else {
            try EdgeMeta.set(db, EdgeMeta.downlinkError, nil)
        }
        try EdgeMeta.set(db, EdgeMeta.lastHLC, clock.withLock { $0.last.packed })
    }
}
