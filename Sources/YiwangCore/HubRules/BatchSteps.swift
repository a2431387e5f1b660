/// The per-change part of `BatchPlan`: duplicates, reused sequences, the consecutive run of new sequences, and
/// for each new one validation, the vector's claim (hold back within the node's bound) and the merge.
struct BatchSteps {
    let sender: String
    let rules: HubBatchRules
    let prefetched: BatchPrefetch
    var merger: PlanMerger
    var heldUsage: HeldUsage
    private(set) var decisions: [ChangeDecision] = []
    /// The refusals the node hears of in the acknowledgement.
    private(set) var rejected: [SyncAck.Rejection] = []
    /// The first sequence this batch took as new (a resend of one from there on is judged against the batch).
    private var firstTaken: UInt64?

    init(sender: String, rules: HubBatchRules, prefetched: BatchPrefetch) {
        self.sender = sender
        self.rules = rules
        self.prefetched = prefetched
        merger = PlanMerger(rules: rules, records: prefetched.records)
        heldUsage = prefetched.heldUsage
    }

    /// Decides every change the hub now holds, advancing `node.highWater` over the consecutive new ones.
    /// `held`: entries of the batch the hub now holds; `complete`: false when a change was not consecutive
    /// (the ones from there on are not taken: the node resends them).
    mutating func take(_ changes: [Change], node: inout NodeBookkeeping) -> (held: Int, complete: Bool) {
        var held = 0
        decisions.reserveCapacity(decisions.count + changes.count)
        for change in changes {
            if change.seq <= node.highWater {
                held += 1
                decisions.append(ChangeDecision(change: change, action: resent(change, node: &node)))
                continue
            }
            // Past the high water, so highWater + 1 cannot overflow.
            guard change.seq == node.highWater + 1 else { return (held, false) }
            if firstTaken == nil { firstTaken = change.seq }
            let action = new(change, node: &node)
            decisions.append(
                ChangeDecision(change: change, action: action, sequenceDigest: Self.digest(for: action, change)))
            node.highWater = change.seq
            held += 1
        }
        return (held, true)
    }

    /// The digest a new sequence keeps (`SequenceRecord.digest`): only when no journal entry of its record
    /// will hold the version, i.e. refused or held back (a held change's `apply` entry comes only on release).
    private static func digest(for action: ChangeDecision.Action, _ change: Change) -> [UInt8]? {
        switch action {
        case .hold(let held): SequenceDigest.of(encoded: held.encoded)
        case .refuse: SequenceDigest.of(change.version)
        case .merge, .duplicate, .rewait: nil
        }
    }

    /// A sequence the hub holds: a duplicate when it recorded the same content under it; refused as reused
    /// when it recorded other content, or nothing it can find (the node reuses its sequence numbers, e.g.
    /// restored from an older copy, and re-issues the write above the hub's high water) unless the version was
    /// written before the oldest journal entry the hub keeps (`predatesJournal`).
    private mutating func resent(_ change: Change, node: inout NodeBookkeeping) -> ChangeDecision.Action {
        let same: Bool
        if let firstTaken, change.seq >= firstTaken,
            let first = decisions.first(where: { $0.change.seq == change.seq })
        {
            same = SequenceDigest.of(first.change.version) == SequenceDigest.of(change.version)  // as bytes
        } else if let recorded = prefetched.resentRecords[change.seq] {
            same = recorded.matches(change.version)
        } else {
            same = predatesJournal(change.version, node: node)
        }
        guard !same else {
            merger.duplicates += 1
            return .duplicate
        }
        return refuse(change, .sequenceReused(seq: change.seq, highWater: node.highWater), node: &node)
    }

    /// True when `version` was written (hub time) before the oldest journal entry the hub keeps: its own
    /// entry, if the hub ever merged it, was archived and pruned, so nothing is left to judge it by, and it is
    /// taken as the resend it must be. A reused sequence carries a write made after the node's restore, newer
    /// than that; refusing an old resend instead would have the node re-issue an old value as a new write,
    /// over what other nodes wrote since.
    private func predatesJournal(_ version: Version, node: NodeBookkeeping) -> Bool {
        guard let start = prefetched.journalStartMs else { return false }
        return version.hlc.wallMs.saturatingSubtract(node.clockOffsetMs) < start
    }

    private mutating func new(_ change: Change, node: inout NodeBookkeeping) -> ChangeDecision.Action {
        do throws(YiwangError) {
            try ChangeChecks.validate(change.version, sender: sender, rules: rules)
            let known = prefetched.highWaters
            switch VectorClaims.check(change, scope: rules.scope, heldThrough: { known[$0] ?? 0 }) {
            case .holds:
                return .merge(try merger.merge(change.version, node: &node))
            case .impossible(let error):
                throw error
            case .waits(let other, let counter):
                let encoded = VersionListCodec.encode([change.version])
                return .hold(try holdBack(change, encoded: encoded, waitNode: other, counter: counter, node: &node))
            }
        } catch {
            return refuse(change, error, node: &node)
        }
    }

    /// Holds the change back within the node's bound (else refuses it: `heldLimit`), and notes why.
    private mutating func holdBack(
        _ change: Change, encoded: [UInt8], waitNode other: String, counter: UInt64, node: inout NodeBookkeeping
    ) throws(YiwangError) -> HeldBack {
        let limits = rules.limits
        guard heldUsage.count < limits.maxHeldPerNode,
            encoded.count <= limits.maxHeldBytesPerNode,
            heldUsage.bytes <= limits.maxHeldBytesPerNode - encoded.count
        else { throw .heldLimit(node: other, counter: counter, limit: heldUsage.count) }
        let (nodeTime, overflow) = change.version.hlc.wallMs.subtractingReportingOverflow(node.clockOffsetMs)
        heldUsage.count += 1
        heldUsage.bytes += encoded.count
        node.lastError =
            "\(BatchPlan.heldBackNote) change seq \(change.seq) counts node '\(other)' at \(counter), "
            + "beyond what the hub holds"
        node.lastErrorAtMs = rules.nowMs
        return HeldBack(
            waitNode: other, waitCounter: counter, encoded: encoded,
            dataMs: overflow ? rules.nowMs : min(rules.nowMs, nodeTime))
    }

    private mutating func refuse(_ change: Change, _ error: YiwangError, node: inout NodeBookkeeping)
        -> ChangeDecision.Action
    {
        rejected.append(SyncAck.Rejection(seq: change.seq, error: error.code.rawValue, message: error.message))
        node.rejectedChanges = node.rejectedChanges.saturatingAdd(1)
        return .refuse(error)
    }
}
