import Foundation
import YiwangCore

/// `manifest.json` of a sealed audit archive (`yiwangctl audit archive`): the archive's segment files in chain
/// order, each with its first and last seq, the hash before its first entry and its head hash, and the SHA-256
/// of the file's bytes. The manifest is not trusted by `audit verify --archive`: every file is rehashed, entry by
/// entry from the genesis hash, and its digest compared; the manifest only says which files must be there.
public struct AuditArchiveManifest: Codable, Sendable, Hashable {
    public static let formatName = "yiwang-audit-archive/1"
    public static let fileName = "manifest.json"

    public var format: String
    /// Random, so the hub's record of archives can tell two directories apart.
    public var archiveID: String
    public var segments: [AuditSegmentInfo]

    public init(archiveID: String, segments: [AuditSegmentInfo] = []) {
        format = Self.formatName
        self.archiveID = archiveID
        self.segments = segments
    }

    /// The last sealed entry (the empty head for an archive with no segment yet).
    public var head: AuditHead {
        guard let last = segments.last, let hash = AuditHash(hex: last.headHash) else { return .empty }
        return AuditHead(seq: last.lastSeq, hash: hash)
    }
}

/// One segment file of an archive.
public struct AuditSegmentInfo: Codable, Sendable, Hashable {
    public var file: String
    public var firstSeq: Int64
    public var lastSeq: Int64
    /// Hex hash of the entry before `firstSeq` (zeros for seq 1).
    public var prevHash: String
    /// Hex hash of the entry at `lastSeq`.
    public var headHash: String
    public var firstAtMs: Int64
    public var lastAtMs: Int64
    /// Hex SHA-256 of the file's bytes.
    public var sha256: String

    public init(
        file: String, firstSeq: Int64, lastSeq: Int64, prevHash: String, headHash: String, firstAtMs: Int64,
        lastAtMs: Int64, sha256: String
    ) {
        self.file = file
        self.firstSeq = firstSeq
        self.lastSeq = lastSeq
        self.prevHash = prevHash
        self.headHash = headHash
        self.firstAtMs = firstAtMs
        self.lastAtMs = lastAtMs
        self.sha256 = sha256
    }

    /// The one file name a segment of these seqs may have (a manifest naming any other file, `../x` say, is
    /// refused rather than followed).
    public static func fileName(firstSeq: Int64, lastSeq: Int64) -> String {
        func padded(_ seq: Int64) -> String {
            let digits = String(max(0, seq))
            return String(repeating: "0", count: max(0, 19 - digits.count)) + digits
        }
        return "audit-\(padded(firstSeq))-\(padded(lastSeq)).jsonl"
    }

    /// Whether the descriptor is well formed: positive ordered seqs, its canonical file name, hex hashes.
    public var isWellFormed: Bool {
        firstSeq >= 1 && lastSeq >= firstSeq && file == Self.fileName(firstSeq: firstSeq, lastSeq: lastSeq)
            && AuditHash(hex: prevHash) != nil && AuditHash(hex: headHash) != nil && AuditHash(hex: sha256) != nil
    }
}
