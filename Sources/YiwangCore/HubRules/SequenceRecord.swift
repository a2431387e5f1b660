/// What the hub recorded under one of a node's sequences, read for a resent one (issue 13, class 11; issue 15):
/// a resend with the same content is a duplicate, one with other content (or under a sequence the hub finds
/// nothing for) a reused sequence.
///
/// A merged change needs no record of its own: its `apply` entry, found among its record's journal entries,
/// holds the version (`RecordedVersion`), or the record still shows the very version. Only a change without
/// such an entry (refused, held back) keeps a digest (`SequenceDigest`), and only within the journal's retention.
public enum SequenceRecord: Sendable, Hashable {
    /// The digest kept for a change refused or held back when first received.
    case digest([UInt8])
    /// The version the hub merged under the sequence, found among the resent version's own record's entries
    /// (or as that record's visible version): the dataset and key are the same by where it was found.
    case version(RecordedVersion)

    /// True when `version` is what the hub recorded.
    public func matches(_ version: Version) -> Bool {
        switch self {
        case .digest(let digest): digest == SequenceDigest.of(version)
        case .version(let recorded): recorded == RecordedVersion(version)
        }
    }
}

/// A version as an `apply` entry's detail records it (`AuditDetail.applied`): everything but the dataset and key
/// (the entry's own columns) and the value, of which it keeps the SHA-256.
public struct RecordedVersion: Sendable, Hashable {
    public var origin: String
    public var actor: String
    /// `HLCTimestamp.packed`.
    public var hlc: Int64
    /// `VersionVector.description`.
    public var vector: String
    /// `Operation.description`.
    public var op: String
    /// Hex SHA-256 of a put's value; nil for a delete.
    public var valueSHA256: String?

    public init(origin: String, actor: String, hlc: Int64, vector: String, op: String, valueSHA256: String?) {
        self.origin = origin
        self.actor = actor
        self.hlc = hlc
        self.vector = vector
        self.op = op
        self.valueSHA256 = valueSHA256
    }

    /// The fields of `version` as `AuditDetail.add(version:)` writes them.
    public init(_ version: Version) {
        self.init(
            origin: version.origin, actor: version.actor, hlc: version.hlc.packed,
            vector: version.vector.description, op: version.operation.description,
            valueSHA256: version.value.map { AuditHash.of($0).hex })
    }

    /// The version recorded by an `apply` entry's detail.
    public init(_ detail: AppliedDetail) {
        self.init(
            origin: detail.origin, actor: detail.actor, hlc: detail.hlc, vector: detail.vector, op: detail.op,
            valueSHA256: detail.valueSHA256)
    }
}
