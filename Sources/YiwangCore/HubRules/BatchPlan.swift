/// The hub's rules for one node's batch, as a value: from the node's bookkeeping, the decoded batch, the
/// rules and what the store prefetched, the decision for every change, the node's new bookkeeping and the
/// acknowledgement. The store executes it in the batch's transaction; the plan does no I/O.
///
/// - A gap (the batch starts past the high water + 1, e.g. the hub was restored from a backup): nothing is
///   applied; the acknowledgement names the expected sequence and the node rewinds.
/// - A resent sequence is a duplicate when the hub recorded the same content under it (`SequenceRecord`), else
///   refused (`sequenceReused`).
/// - New sequences are taken while consecutive; each is validated (`ChangeChecks`), its vector judged
///   (`VectorClaims`: merge, hold back, or refuse), then merged (`Merge.merge`) if its vector does not go
///   backwards. A refused change is recorded and never blocks the ones behind it; the high water passes it.
/// - A skip mark for the next sequence records the node's refusal and moves the high water past it; one at or
///   below the high water is a harmless duplicate; one past it is a gap.
/// - After all but a gap, held changes waiting on this node through its new high water are released
///   (`HeldRelease`, one plan per origin).
/// - A relayed batch (`relay`) is planned exactly as a direct one, except the report's dating: its contact time is
///   the relay's receive time in the hub's clock (`RelayedContact`), and a report older than the node's last
///   contact (it came direct, or by another way, since) is superseded: its changes apply, its figures do not.
public struct BatchPlan: Sendable, Hashable {
    /// The node's bookkeeping to store.
    public var node: NodeBookkeeping
    /// In the batch's order; the store executes them in this order.
    public var decisions: [ChangeDecision]
    /// A skip mark recorded as a refusal.
    public var skipped: SkippedSequence?
    public var ack: SyncAck
    /// Release the held changes waiting on this node through this counter (its new high water); nil on a gap.
    public var releaseThrough: UInt64?
    /// Changes that changed the hub's state (including conflicts).
    public var applied: Int
    /// Changes already held (resent) or obsolete.
    public var duplicates: Int
    /// Conflict records for the conflict log.
    public var conflicts: Int

    /// The prefix of `lastError` while one of the node's changes is held back.
    public static let heldBackNote = "held back:"

    /// True when a batch starting at `firstSeq` leaves a hole after `highWater` (never traps at the extremes).
    public static func isGap(firstSeq: UInt64, highWater: UInt64) -> Bool {
        firstSeq > highWater && firstSeq - highWater > 1
    }

    /// Plans `batch` from `node` (its stored bookkeeping, or a new one). Throws only for a batch no decoder
    /// builds (a skip mark with changes).
    public init(
        batch: SyncBatch, node stored: NodeBookkeeping, rules: HubBatchRules, prefetched: BatchPrefetch,
        relay: RelayedContact? = nil
    ) throws(YiwangError) {
        if batch.skip != nil, !batch.changes.isEmpty {
            throw .malformedBatch("a skip mark is for the batch's first sequence and the batch has no changes")
        }
        let nowMs = rules.nowMs
        var node = stored
        let report = batch.report
        // The report's times are range-checked by the decoder; the arithmetic saturates all the same.
        // The time the report was made, in the hub's clock: now, or when it reached the relay.
        let contactMs = relay?.contactMs(nowMs: nowMs) ?? nowMs
        let takesReport = relay == nil || (stored.lastContactMs ?? 0) <= contactMs
        let offset = report.clockMs.saturatingSubtract(contactMs)
        if takesReport {
            node.lastContactMs = contactMs
            node.clockOffsetMs = Millis.clampSpan(NodeBookkeeping.nodeClockOffset(report, conversionOffsetMs: offset))
            node.reportClockOffsetMs = Millis.clampSpan(offset)
            node.relayPath = relay?.path
        }
        let hubTime: (Int64) -> Int64 = { max(0, min(contactMs, $0.saturatingSubtract(offset))) }

        if Self.isGap(firstSeq: batch.firstSeq, highWater: node.highWater) {
            if takesReport {
                node.backlog = report.backlog
                node.oldestPendingMs = report.oldestPendingMs.map(hubTime)
                let heldThrough = node.noteQuarantine(report, nowMs: contactMs, hubTime: hubTime)
                if node.oldestPendingMs != nil || node.oldestQuarantinedMs != nil { node.dataAsOfMs = heldThrough }
                node.noteStanding(nowMs: nowMs, lastRefusal: node.quarantined > 0 ? prefetched.lastRefusal : nil)
            }
            // Not a gap unless highWater < firstSeq - 1, so highWater + 1 cannot overflow.
            self.init(
                node: node, decisions: [], skipped: nil,
                ack: SyncAck(
                    highWater: node.highWater, expectedSeq: node.highWater + 1, rejected: [], hubClockMs: nowMs),
                releaseThrough: nil, applied: 0, duplicates: 0, conflicts: 0)
            return
        }

        var steps = BatchSteps(sender: batch.node, rules: rules, prefetched: prefetched)
        var skipped: SkippedSequence?
        if let skip = batch.skip, batch.firstSeq > node.highWater {  // not a gap: firstSeq == highWater + 1
            skipped = SkippedSequence(seq: batch.firstSeq, reason: skip.reason)
            node.highWater = batch.firstSeq
            node.rejectedChanges = node.rejectedChanges.saturatingAdd(1)
        }
        let taken = steps.take(batch.changes, node: &node)

        if takesReport {
            // The node counted the batch's entries in its backlog; a skipped one it already holds quarantined.
            node.backlog = report.backlog.saturatingSubtract(UInt64(taken.held))
            let oldestPending: Int64?
            if !taken.complete {
                oldestPending = report.oldestPendingMs
            } else if batch.changes.isEmpty {  // a heartbeat or a skip: everything pending is after this batch
                oldestPending = report.oldestPendingMs ?? report.oldestAfterBatchMs
            } else {
                oldestPending = report.oldestAfterBatchMs
            }
            node.oldestPendingMs = oldestPending.map(hubTime)
            node.dataAsOfMs = node.noteQuarantine(
                report, refusedNow: steps.rejected.count, nowMs: contactMs, hubTime: hubTime)
        } else {
            // Refused now: the node will hold them quarantined, which its next report says; until then, lacking.
            node.quarantined = node.quarantined.saturatingAdd(UInt64(steps.rejected.count))
        }
        if let last = steps.rejected.last {
            node.lastError = NodeBookkeeping.refusalNote(code: last.error, message: last.message, seq: last.seq)
            node.lastErrorAtMs = nowMs
        } else if takesReport {
            let lastRefusal =
                skipped.map { NodeBookkeeping.refusalNote(code: SkippedSequence.code, message: $0.reason, seq: $0.seq) }
                ?? prefetched.lastRefusal
            node.noteStanding(nowMs: nowMs, lastRefusal: node.quarantined > 0 ? lastRefusal : nil)
        }
        self.init(
            node: node, decisions: steps.decisions, skipped: skipped,
            ack: SyncAck(highWater: node.highWater, expectedSeq: nil, rejected: steps.rejected, hubClockMs: nowMs),
            releaseThrough: node.highWater, applied: steps.merger.applied, duplicates: steps.merger.duplicates,
            conflicts: steps.merger.conflicts)
    }

    public init(
        node: NodeBookkeeping, decisions: [ChangeDecision], skipped: SkippedSequence?, ack: SyncAck,
        releaseThrough: UInt64?, applied: Int, duplicates: Int, conflicts: Int
    ) {
        self.node = node
        self.decisions = decisions
        self.skipped = skipped
        self.ack = ack
        self.releaseThrough = releaseThrough
        self.applied = applied
        self.duplicates = duplicates
        self.conflicts = conflicts
    }
}
