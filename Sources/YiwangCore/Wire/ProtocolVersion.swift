/// The version of the sync protocol. A batch names its version in its magic (`YWB1`, `YWB2`); requests and
/// answers name it in the `X-Yiwang-Protocol` header. A hub accepts every version in `accepted`, so a province
/// upgrades its hub first and its nodes over the following weeks; a node never sends a version its hub lacks.
///
/// - 1: the batch of changes, its report and the report's optional tail.
/// - 2: also the skip mark (`SkipMark`): a sequence the node will never send, which the hub records as refused.
/// - 3: also the relay section (`RelaySection`): a batch a city forwards for a node of its subtree.
public enum ProtocolVersion: UInt8, Sendable, Hashable, Comparable, CaseIterable, CustomStringConvertible {
    case v1 = 1
    case v2 = 2
    case v3 = 3

    /// What this build writes.
    public static let current = ProtocolVersion.v2
    /// What this build reads.
    public static let accepted: [ProtocolVersion] = [.v1, .v2, .v3]
    /// The HTTP header carrying the sender's version, on requests and on the hub's answers.
    public static let header = "X-Yiwang-Protocol"

    /// The first four bytes of a batch of this version.
    public var magic: [UInt8] { Array("YWB".utf8) + [UInt8(ascii: "0") + rawValue] }

    /// The version a batch's first four bytes name, nil if they are not a Yiwang batch's.
    public static func of(magic bytes: some Collection<UInt8>) -> ProtocolVersion? {
        guard bytes.count >= 4 else { return nil }
        let head = Array(bytes.prefix(4))
        return allCases.first { $0.magic == head }
    }

    /// The version a header value names (digits only), nil if absent, malformed or unknown.
    public init?(header value: String?) {
        guard let value, !value.isEmpty, value.utf8.count <= 3, value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let number = UInt8(value), let version = ProtocolVersion(rawValue: number)
        else { return nil }
        self = version
    }

    public var description: String { String(rawValue) }

    public static func < (lhs: ProtocolVersion, rhs: ProtocolVersion) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A sequence the node will never send (protocol 2): the hub refused its change as a whole single-change batch
/// (so it could not record the refusal itself), and the node quarantined it — visible in `/v1/quarantine`,
/// requeueable under a new sequence. A batch carrying a skip mark has no changes; the mark is for `firstSeq`.
/// The hub records the refusal and moves the node's high water past it, so it no longer pins the stream.
public struct SkipMark: Hashable, Sendable {
    public static let maxReasonBytes = 512
    /// Why the node gave up on the change: the hub's refusal as the node recorded it.
    public var reason: String

    /// The reason, cut to `maxReasonBytes` on a character boundary.
    public init(reason: String) {
        var kept = String.UnicodeScalarView()
        var bytes = 0
        for scalar in reason.unicodeScalars {
            bytes += UTF8.width(scalar)
            if bytes > Self.maxReasonBytes { break }
            kept.append(scalar)
        }
        self.reason = String(kept)
    }
}
