import GRDB
import YiwangCore

/// What re-issuing reused sequences did.
public struct ReissueOutcome: Sendable, Hashable {
    /// Old sequence -> the new sequence its write was re-issued at.
    public var reissued: [UInt64: UInt64]
    /// Reused entries not re-issued: a later local write of the same record carries the current state.
    public var superseded: [UInt64]
    /// The sequence the hub may be taken to hold through: `hubHighWater` when no entry of this node at or
    /// below it is still to be checked, else the batch's last sequence (the rest is sent and checked next).
    public var ackThrough: UInt64
}

extension EdgeStore {
    /// A node restored from an older copy of its data (issue 13, class 11): the hub refused `reused` sequences
    /// as `sequence_reused` (it holds other changes under those numbers, written before the restore). Each
    /// reused entry that is still its record's latest local write is re-issued as a fresh write: a new
    /// sequence above both this node's highest and `hubHighWater`, the record's current vector with this node
    /// set to that sequence, a new HLC; the record is merged locally and the old entry marked `requeued`, all in
    /// one transaction. Reused entries already superseded by a later local write of the same record are marked
    /// `requeued` without a new entry. Idempotent: entries already requeued are left alone.
    public func reissue(reused: [UInt64], batchLastSeq: UInt64, hubHighWater: UInt64) async throws(YiwangError)
        -> ReissueOutcome
    {
        let outcome = try await write { db throws -> ReissueOutcome in
            let now = self.wallClock.nowMs()
            let highest = UInt64(max(0, try EdgeMeta.int(db, EdgeMeta.highestSeq) ?? 0))
            var next = max(highest, hubHighWater)
            let skipped = next - highest  // numbers the hub holds from the node's earlier life, never written here
            var chain = try OutboxChain.previous(db, before: next + 1)
            let chainAtJump = chain
            var result = ReissueOutcome(reissued: [:], superseded: [], ackThrough: batchLastSeq)
            for seq in Set(reused).sorted() {
                guard let entry = try OutboxTable.fetch(db, seq: seq), entry.status == .pending || entry.status == .acked
                else { continue }
                let old = entry.change.version
                let state = try RecordTable.load(db, dataset: old.dataset, key: old.key)
                let reason = "sequence_reused: the hub holds another change under sequence \(seq)"
                if let state, state.vector.counter(for: self.nodeID) > seq {
                    try Self.markRequeued(db, entry, reason: reason + "; superseded by a later local write")
                    result.superseded.append(seq)
                    continue
                }
                guard next < UInt64(Int64.max) else { throw YiwangError.storage("outbox sequence exhausted") }
                next += 1
                let vector = (state?.vector ?? old.vector).joined(with: old.vector).setting(self.nodeID, to: next)
                let observed = state?.visible.map(\.hlc).max() ?? old.hlc
                let hlc = try self.clock.withLock { clock throws(YiwangError) in
                    try clock.tick(after: max(observed, old.hlc), wallMs: now)
                }
                let version = Version(
                    dataset: old.dataset, key: old.key, vector: vector, hlc: hlc, origin: self.nodeID,
                    actor: old.actor, operation: old.operation, value: old.value)
                _ = try RecordTable.merge(db, version, into: state, policy: self.policy(for: old.dataset))
                chain = try OutboxTable.insert(
                    db, Change(seq: next, version: version), committedAtMs: now, prev: chain)
                try PendingCounter.add(db, 1)
                try Self.markRequeued(db, entry, reason: reason + "; re-issued as \(next)")
                result.reissued[seq] = next
            }
            if !result.reissued.isEmpty {
                if skipped > 0 {
                    try OutboxLedger.noteSkip(db, from: highest + 1, through: highest + skipped, chain: chainAtJump,
                        atMs: now)
                    let total = (try EdgeMeta.int(db, OutboxChain.skippedCount) ?? 0).addingReportingOverflow(
                        Int64(clamping: skipped))
                    try EdgeMeta.set(db, OutboxChain.skippedCount, total.overflow ? Int64.max : total.partialValue)
                }
                try EdgeMeta.set(db, EdgeMeta.highestSeq, Int64(clamping: next))
            }
            try EdgeMeta.set(db, EdgeMeta.lastHLC, self.clock.withLock { $0.last.packed })
            // Entries between the batch and the hub's high water are still to be checked against the hub.
            let unchecked = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM outbox WHERE seq > ? AND seq <= ? AND status = 'pending'",
                arguments: [Int64(clamping: batchLastSeq), Int64(clamping: hubHighWater)]) ?? 0
            if unchecked == 0 { result.ackThrough = max(batchLastSeq, hubHighWater) }
            return result
        }
        commitBell.ring()
        return outcome
    }

    private static func markRequeued(_ db: Database, _ entry: OutboxEntry, reason: String) throws {
        try db.execute(
            sql: "UPDATE outbox SET status = 'requeued', reason = ? WHERE seq = ?",
            arguments: [reason, Int64(clamping: entry.seq)])
        if entry.status == .pending { try PendingCounter.add(db, -1) }
    }
}
