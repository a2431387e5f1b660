/// What the hub recorded under one of a node's sequences, read for a resent one (issue 13, class 11; issue 15):
/// a resend with the same content is a duplicate, one with other content (or under a sequence the hub finds
/// nothing for) a reused sequence.
///
/// A merged change needs no record of its own: its `apply` entry, found among its record's journal entries,
/// holds the version (`AppliedDetail`), or the record still shows the very version. Only a change without
/// such an entry (refused, held back) keeps a digest (`SequenceDigest`), and only within the journal's retention.
public enum SequenceRecord: Sendable, Hashable {
    /// The digest kept for a change refused or held back when first received.
    case digest([UInt8])
    /// The version the hub merged under the sequence, found among the resent version's own record's entries
    /// (or as that record's visible version): the dataset and key are the same by where it was found.
    case version(AppliedDetail)

    /// True when `version` is what the hub recorded.
    public func matches(_ version: Version) -> Bool {
        switch self {
        case .digest(let digest): digest == SequenceDigest.of(version)
        case .version(let recorded): recorded == AppliedDetail(version)
        }
    }
}

/// A version as an `apply` entry's detail records it (`AuditDetail.applied`): everything but the dataset and key
/// (the entry's own columns) and the value, of which it keeps the SHA-256.
extension AppliedDetail {
    /// The fields of `version` as `AuditDetail.add(version:)` writes them.
    public init(_ version: Version) {
        self.init(
            origin: version.origin, actor: version.actor, hlc: version.hlc.packed,
            vector: version.vector.description, op: version.operation.description,
            valueSHA256: version.value.map { AuditHash.of($0).hex })
    }
}
