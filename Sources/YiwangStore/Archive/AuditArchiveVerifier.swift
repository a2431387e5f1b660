import YiwangAPI
import YiwangCore

/// Where an archive first goes wrong: the file (segment or manifest) and the seq, when there is one.
public struct AuditArchiveProblem: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var seq: Int64?
    public var reason: String

    public var description: String {
        "archive file \(file)" + (seq.map { " (seq \($0))" } ?? "") + ": \(reason)"
    }
}

/// What checking an archive found.
public struct AuditArchiveVerification: Sendable {
    public var segments: Int
    public var entries: Int
    /// The last entry that verified (the archive's head when intact).
    public var head: AuditHead
    /// The hash of the entry at the seq asked for (`AuditArchiveVerifier.verify(hashAt:)`), when it was reached.
    public var hashAtRequested: AuditHash?
    public var problem: AuditArchiveProblem?

    public var isIntact: Bool { problem == nil }
}

/// Checks an archive directory as one chain from the genesis hash: the manifest's segments must follow each
/// other (1...a, a+1...b, ...), each file must exist, match the SHA-256 the manifest lists, hold exactly the
/// seqs its descriptor says, and every entry must rehash and link to the one before it, across files. A changed
/// byte, a removed or reordered segment and an edited manifest are each named by file and seq.
public enum AuditArchiveVerifier {
    /// Verifies `directory`; `hashAt` asks for the hash of one entry on the way (the hub's pruned head, which the
    /// live chain continues from). `visit` sees every entry that verified, in order, with its segment (blame,
    /// the records check).
    public static func verify(
        _ directory: AuditArchiveDirectory, hashAt requested: Int64? = nil,
        visit: (AuditEntry, AuditSegmentInfo) -> Void = { _, _ in }
    ) throws -> AuditArchiveVerification {
        var result = AuditArchiveVerification(segments: 0, entries: 0, head: .empty, hashAtRequested: nil)
        if requested == 0 { result.hashAtRequested = AuditHash.genesis }
        func fail(_ file: String, _ seq: Int64?, _ reason: String) -> AuditArchiveVerification {
            result.problem = AuditArchiveProblem(file: file, seq: seq, reason: reason)
            return result
        }
        let found: AuditArchiveManifest?
        do {
            found = try directory.manifest()
        } catch {
            return fail(AuditArchiveManifest.fileName, nil, "unreadable: \(error)")
        }
        guard let manifest = found else {
            return fail(AuditArchiveManifest.fileName, nil, "missing: \(directory.path) is not an audit archive")
        }
        var verifier = AuditChainVerifier()
        for segment in manifest.segments {
            guard segment.isWellFormed else {
                return fail(AuditArchiveManifest.fileName, segment.firstSeq, "a segment entry is malformed")
            }
            let expectedFirst = verifier.head.seq + 1
            guard segment.firstSeq == expectedFirst else {
                let why =
                    segment.firstSeq > expectedFirst
                    ? "segment \(segment.file) starts at seq \(segment.firstSeq), but seq \(expectedFirst) comes next: "
                        + "a segment before it was removed"
                    : "segment \(segment.file) starts at seq \(segment.firstSeq), before seq \(expectedFirst): "
                        + "segments are listed out of order or overlap"
                return fail(AuditArchiveManifest.fileName, expectedFirst, why)
            }
            guard let bytes = directory.contents(of: segment.file) else {
                return fail(segment.file, segment.firstSeq, "the file is missing: a segment was removed")
            }
            guard AuditHash.of(bytes).hex == segment.sha256.lowercased() else {
                return fail(
                    segment.file, segment.firstSeq,
                    "its SHA-256 differs from the manifest's: the file or the manifest was changed")
            }
            let (header, entries): (AuditSegmentCodec.Header, [AuditEntry])
            do {
                (header, entries) = try AuditSegmentCodec.decode(bytes)
            } catch {
                return fail(segment.file, segment.firstSeq, error.description)
            }
            guard header.firstSeq == segment.firstSeq, header.lastSeq == segment.lastSeq,
                header.headHash == segment.headHash, header.prevHash == segment.prevHash
            else { return fail(segment.file, segment.firstSeq, "its header does not match the manifest") }
            guard AuditHash(hex: segment.prevHash) == verifier.head.hash else {
                return fail(
                    segment.file, segment.firstSeq, "its previous hash is not the head of the segment before it")
            }
            for entry in entries {
                guard verifier.check(entry) else {
                    let problem = verifier.finish().problem
                    return fail(segment.file, problem?.seq ?? entry.seq, problem?.reason ?? "broken chain")
                }
                if entry.seq == requested { result.hashAtRequested = entry.hash }
                result.entries += 1
                visit(entry, segment)
            }
            guard verifier.head.seq == segment.lastSeq, verifier.head.hash.hex == segment.headHash.lowercased() else {
                return fail(
                    segment.file, verifier.head.seq,
                    "it ends at seq \(verifier.head.seq), not at its head \(segment.lastSeq)")
            }
            result.segments += 1
            result.head = verifier.head
        }
        return result
    }
}
