/// What the store reads before planning a batch (`BatchPlan`), in a few queries: the plan itself does no I/O.
public struct BatchPrefetch: Sendable, Hashable {
    /// The current state of every record the batch's new changes touch.
    public var records: RecordStates
    /// What the hub recorded under the batch's resent sequences (`SequenceRecord`); a sequence missing here
    /// has nothing the hub can find (its entry archived and pruned, or another record's): refused as reused,
    /// unless written before `journalStartMs`.
    public var resentRecords: [UInt64: SequenceRecord]
    /// The hub time of the oldest journal entry the hub keeps once older ones were pruned (read when a resent
    /// sequence has no record; nil: not read, nothing pruned, or no entry).
    public var journalStartMs: Int64?
    /// The hub's high water of every other node the new changes' vectors count (a node missing here: 0).
    public var highWaters: [String: UInt64]
    /// The node's held changes (read only when a vector counts another node; else none can be held).
    public var heldUsage: HeldUsage
    /// The node's last recorded refusal (`NodeBookkeeping.refusalNote`), read when its report counts
    /// quarantined changes (`Needs.lastRefusal`).
    public var lastRefusal: String?

    public init(
        records: RecordStates = RecordStates(), resentRecords: [UInt64: SequenceRecord] = [:], journalStartMs: Int64? = nil,
        highWaters: [String: UInt64] = [:], heldUsage: HeldUsage = .none, lastRefusal: String? = nil
    ) {
        self.records = records
        self.resentRecords = resentRecords
        self.journalStartMs = journalStartMs
        self.highWaters = highWaters
        self.heldUsage = heldUsage
        self.lastRefusal = lastRefusal
    }

    /// What to read for `batch` from a node whose high water is `highWater`.
    public struct Needs: Sendable, Hashable {
        /// Changes past the high water: read their records' states.
        public var newChanges: [Change]
        /// Changes at or below the high water: read what the hub recorded under their sequences.
        public var resent: [Change]
        /// Nodes other than the sender that the new changes' vectors count: read their high waters, and the
        /// sender's held usage when there is any.
        public var countedNodes: [String]
        /// Read the node's last refusal (its report counts quarantined changes).
        public var lastRefusal: Bool
    }

    /// Nothing for a gap (the plan applies nothing), except the last refusal for the report.
    public static func needs(for batch: SyncBatch, highWater: UInt64) -> Needs {
        let lastRefusal = batch.report.quarantined > 0
        if BatchPlan.isGap(firstSeq: batch.firstSeq, highWater: highWater) {
            return Needs(newChanges: [], resent: [], countedNodes: [], lastRefusal: lastRefusal)
        }
        let newChanges = batch.changes.filter { $0.seq > highWater }
        var counted: [String] = []
        var seen: Set<ByteKey> = [ByteKey(batch.node)]
        for change in newChanges {
            for entry in change.version.vector.entries where seen.insert(ByteKey(entry.node)).inserted {
                counted.append(entry.node)
            }
        }
        return Needs(
            newChanges: newChanges, resent: batch.changes.filter { $0.seq <= highWater },
            countedNodes: counted, lastRefusal: lastRefusal)
    }
}
