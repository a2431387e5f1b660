/// The release of one origin's held changes once the hub holds the node they waited for (`BatchPlan.releaseThrough`):
/// each is judged again (`VectorClaims`, with the releasing node at its new high water) and merged, refused,
/// or left waiting for the next node it counts. Validated when first held, so not validated again. Their
/// refusals count against their own node, never in the releasing node's acknowledgement. Releasing moves no
/// high water, so one pass releases everything now ready.
public struct HeldRelease: Sendable, Hashable {
    /// What the store prefetched for one origin's release.
    public struct Prefetch: Sendable, Hashable {
        /// The current state of every record the released changes touch.
        public var records: RecordStates
        /// The hub's high water of every node the released changes' vectors count (a node missing here: 0).
        public var highWaters: [String: UInt64]
        /// How many of the origin's changes are held, before this release.
        public var heldCount: Int

        public init(records: RecordStates = RecordStates(), highWaters: [String: UInt64] = [:], heldCount: Int) {
            self.records = records
            self.highWaters = highWaters
            self.heldCount = heldCount
        }
    }

    /// The nodes other than `releasing` (and each change's origin) that `changes`' vectors count: their high
    /// waters go in `Prefetch.highWaters`.
    public static func countedNodes(_ changes: [Change], releasing: String) -> [String] {
        var seen: Set<ByteKey> = [ByteKey(releasing)]
        var counted: [String] = []
        for change in changes {
            for entry in change.version.vector.entries
            where !ByteKey.equal(entry.node, change.version.origin) && seen.insert(ByteKey(entry.node)).inserted {
                counted.append(entry.node)
            }
        }
        return counted
    }

    /// The origin's bookkeeping to store.
    public var node: NodeBookkeeping
    public var decisions: [ChangeDecision]
    public var applied: Int
    public var duplicates: Int
    public var conflicts: Int

    /// Plans the release of `changes` (the origin's held changes waiting on `releasing` through `highWater`,
    /// in seq order) for `origin`, whose bookkeeping is `stored`.
    public init(
        _ changes: [Change], origin stored: NodeBookkeeping, releasing: String, through highWater: UInt64,
        rules: HubBatchRules, prefetched: Prefetch
    ) {
        var node = stored
        var merger = PlanMerger(rules: rules, records: prefetched.records)
        var decisions: [ChangeDecision] = []
        var released = 0
        let known = prefetched.highWaters
        for change in changes {
            let claim = VectorClaims.check(change, scope: rules.scope) { other in
                ByteKey.equal(other, releasing) ? highWater : known[other] ?? 0
            }
            let action: ChangeDecision.Action
            switch claim {
            case .waits(let other, let counter):
                decisions.append(ChangeDecision(change: change, action: .rewait(node: other, counter: counter)))
                continue
            case .holds:
                do {
                    action = .merge(try merger.merge(change.version, node: &node))
                } catch {
                    action = .refuse(error)
                }
            case .impossible(let error):
                action = .refuse(error)
            }
            if case .refuse = action { node.rejectedChanges = node.rejectedChanges.saturatingAdd(1) }
            released += 1
            decisions.append(ChangeDecision(change: change, action: action, releasesHeld: true))
        }
        if node.lastError?.hasPrefix(BatchPlan.heldBackNote) == true, prefetched.heldCount <= released {
            node.lastError = nil  // nothing of this node is held back any more
        }
        self.node = node
        self.decisions = decisions
        applied = merger.applied
        duplicates = merger.duplicates
        conflicts = merger.conflicts
    }
}
