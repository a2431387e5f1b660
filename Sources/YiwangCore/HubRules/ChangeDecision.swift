/// What the hub does with one change of a batch (or one held change it releases). The store executes the
/// decisions in order, in the batch's transaction: the audit entries they write follow that order.
public struct ChangeDecision: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        /// A resend of a sequence the hub holds, with the content it recorded (`SequenceRecord`): nothing to do.
        case duplicate
        /// Merged by `Merge.merge`: applied, a conflict (both sides for the conflict log), or `.ignored`
        /// (obsolete: covered by what the hub holds; audited as `obsolete`, no state change).
        case merge(MergeOutcome)
        /// Refused on its own (rejected changes, audit); it never blocks the changes behind it.
        case refuse(YiwangError)
        /// Held back until the hub holds another node through the counter the vector claims.
        case hold(HeldBack)
        /// A released change that still waits, now for another node (release only).
        case rewait(node: String, counter: UInt64)
    }

    public var change: Change
    public var action: Action
    /// The digest to record for the change's sequence (`SequenceDigest`): set for a sequence new to the hub that
    /// no journal entry of its record will hold (refused or held back; `SequenceRecord`).
    public var sequenceDigest: [UInt8]?
    /// A released held change that leaves `held_changes` (merged or refused; not on `rewait`).
    public var releasesHeld: Bool

    public init(change: Change, action: Action, sequenceDigest: [UInt8]? = nil, releasesHeld: Bool = false) {
        self.change = change
        self.action = action
        self.sequenceDigest = sequenceDigest
        self.releasesHeld = releasesHeld
    }
}

/// A change held back (issue 13, class 3): its vector counts `waitNode` at `waitCounter`, beyond what the hub
/// holds of it. The hub's high water moves past it (the store holds it durably); it merges when the hub holds
/// `waitNode` through `waitCounter`.
public struct HeldBack: Sendable, Hashable {
    public var waitNode: String
    public var waitCounter: UInt64
    /// The version as `VersionListCodec` stores it.
    public var encoded: [UInt8]
    /// When the node wrote it (hub clock, at most now), as far as the hub knows: data age starts here at most.
    public var dataMs: Int64

    public init(waitNode: String, waitCounter: UInt64, encoded: [UInt8], dataMs: Int64) {
        self.waitNode = waitNode
        self.waitCounter = waitCounter
        self.encoded = encoded
        self.dataMs = dataMs
    }
}

/// A sequence the node will never send (`SkipMark`), recorded as refused: the hub's high water moves past it.
public struct SkippedSequence: Sendable, Hashable {
    /// The code of the refusal as recorded (`rejected_changes.code`, the report's last refusal).
    public static let code = "skipped"
    /// The audit entry's kind.
    public static let auditKind = "skip"

    public var seq: UInt64
    /// The node's reason, as it recorded the hub's refusal of the change (bounded by `SkipMark.maxReasonBytes`).
    public var reason: String

    public init(seq: UInt64, reason: String) {
        self.seq = seq
        self.reason = reason
    }
}

/// What the hub received at a (node, seq): the first 16 bytes of the SHA-256 of the version's wire encoding
/// (dataset, key, vector, HLC, origin, actor, op, value), kept for a change refused or held back
/// (`SequenceRecord.digest`). A resent sequence with a different digest is a reused sequence (issue 13, class 11).
public enum SequenceDigest {
    public static func of(_ version: Version) -> [UInt8] { of(encoded: VersionListCodec.encode([version])) }

    /// The digest of a version already encoded by `VersionListCodec.encode([version])`.
    public static func of(encoded: [UInt8]) -> [UInt8] { Array(AuditHash.of(encoded).bytes.prefix(16)) }
}
