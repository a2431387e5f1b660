/// Checks a hash chain entry by entry, in stored order, without holding it in memory.
///
/// Feed every entry to `check` in the order the store returns them (by seq); the first problem is kept and
/// names its position (0-based, in the order fed) and seq. An edited entry fails its hash; an inserted,
/// deleted or reordered one breaks the sequence or the link to its predecessor. Entries deleted at the end
/// are found only against a head exported earlier (`expecting`).
public struct AuditChainVerifier: Sendable {
    /// The first problem found, if any.
    public private(set) var problem: AuditProblem?
    /// How many entries were checked.
    public private(set) var checked: Int = 0
    /// The last good entry (the chain's head so far).
    public private(set) var head: AuditHead
    /// Entries missing between stored ones, when gaps are allowed (pruned outbox entries).
    public private(set) var skipped: Int64 = 0
    private let expected: AuditHead?
    private let allowsGaps: Bool
    private var expectedSeen = false

    /// Starts after `anchor` (the empty chain by default, or a trusted earlier head when the start was pruned);
    /// `expecting` is a head exported earlier, which the chain must still contain unchanged.
    /// `allowsGaps` accepts missing seqs when each entry carries its previous hash (a pruned edge outbox: the
    /// caller then compares `skipped` with the number of entries the store says it pruned).
    public init(anchor: AuditHead = .empty, expecting: AuditHead? = nil, allowsGaps: Bool = false) {
        self.head = anchor
        self.expected = expecting
        self.allowsGaps = allowsGaps
        if let expecting, expecting == anchor { expectedSeen = true }
    }

    /// Checks the next entry; returns false once a problem is found (later entries are not checked).
    @discardableResult
    public mutating func check(_ entry: AuditEntry) -> Bool {
        guard problem == nil else { return false }
        let position = checked
        checked += 1
        func fail(_ reason: String) -> Bool {
            problem = AuditProblem(position: position, seq: entry.seq, reason: reason)
            return false
        }
        var link = head.hash
        if allowsGaps, let prev = entry.prevHash, entry.seq > head.seq.saturatingAdd(1) {
            skipped += entry.seq - head.seq - 1
            link = prev
        } else if entry.seq != head.seq.saturatingAdd(1) {
            return fail(
                "seq \(entry.seq) follows seq \(head.seq): an entry was inserted, deleted or reordered here")
        }
        if let prev = entry.prevHash, prev != link {
            return fail("its previous-hash does not match entry \(head.seq): an entry before it was changed or removed")
        }
        guard entry.expectedHash(after: link) == entry.hash else {
            return fail("its hash does not match its contents: the entry was edited")
        }
        head = AuditHead(seq: entry.seq, hash: entry.hash)
        if let expected, expected.seq == entry.seq {
            guard expected.hash == entry.hash else {
                return fail("the hash differs from the exported head \(expected): the past was rewritten")
            }
            expectedSeen = true
        }
        return true
    }

    /// The verdict once every entry has been fed.
    public func finish() -> AuditVerification {
        if let problem { return AuditVerification(checked: checked, head: head, problem: problem) }
        if let expected, !expectedSeen {
            let problem = AuditProblem(
                position: checked, seq: head.seq.saturatingAdd(1),
                reason: "the chain ends at seq \(head.seq), before the exported head \(expected): entries were deleted")
            return AuditVerification(checked: checked, head: head, problem: problem)
        }
        return AuditVerification(checked: checked, head: head, problem: nil)
    }

    /// Verifies a whole sequence of entries.
    public static func verify(
        _ entries: some Sequence<AuditEntry>, anchor: AuditHead = .empty, expecting: AuditHead? = nil
    ) -> AuditVerification {
        var verifier = AuditChainVerifier(anchor: anchor, expecting: expecting)
        for entry in entries where verifier.check(entry) {}
        return verifier.finish()
    }
}

/// Where a chain first goes wrong.
public struct AuditProblem: Hashable, Sendable, Codable, CustomStringConvertible {
    /// 0-based position in stored order.
    public var position: Int
    public var seq: Int64
    public var reason: String

    public init(position: Int, seq: Int64, reason: String) {
        self.position = position
        self.seq = seq
        self.reason = reason
    }

    public var description: String { "entry at position \(position) (seq \(seq)): \(reason)" }
}

/// The result of verifying a chain.
public struct AuditVerification: Hashable, Sendable {
    public var checked: Int
    /// The last entry that verified.
    public var head: AuditHead
    public var problem: AuditProblem?
    /// Entries up to this seq were archived and pruned: the check started from their head, not from seq 1.
    public var archivedThrough: Int64
    /// Records whose stored state could not be replayed because part of their history is archived (checked
    /// only when the archive was given).
    public var recordsNotReplayed: Int

    public init(
        checked: Int, head: AuditHead, problem: AuditProblem?, archivedThrough: Int64 = 0, recordsNotReplayed: Int = 0
    ) {
        self.checked = checked
        self.head = head
        self.problem = problem
        self.archivedThrough = archivedThrough
        self.recordsNotReplayed = recordsNotReplayed
    }

    public var isIntact: Bool { problem == nil }
}
