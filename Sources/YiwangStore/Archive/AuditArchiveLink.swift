import YiwangCore

/// Archive and live chain checked as one chain: the result of both checks and of the link between them.
public struct ArchivedChainVerification: Sendable {
    public var archive: AuditArchiveVerification
    /// The live chain's check (nil when the archive failed first).
    public var live: AuditVerification?
    /// The first problem, described: in an archive file, at the link, or in the live chain.
    public var problem: String?

    public var isIntact: Bool { problem == nil }

    public init(archive: AuditArchiveVerification, live: AuditVerification?, problem: String?) {
        self.archive = archive
        self.live = live
        self.problem = problem
    }
}

/// The link between an archive and the live chain, pure: the live chain starts after the hub's pruned head,
/// which must be the archive's entry at that seq (so no archived entry is missing or different), and where the
/// archive reaches past it, the hub's entry at the archive's head must be that head (the overlap agrees).
public enum AuditArchiveLink {
    /// nil when linked; else what is wrong, naming the seqs.
    public static func problem(
        archive: AuditArchiveVerification, pruned: AuditHead, liveHead: AuditHead, liveHashAtArchiveHead: AuditHash?
    ) -> String? {
        let archived = archive.head
        if pruned.seq > archived.seq {
            return "the archive ends at seq \(archived.seq), but the hub pruned its entries up to seq \(pruned.seq): "
                + "the segments after seq \(archived.seq) are missing"
        }
        if archive.hashAtRequested != pruned.hash {
            return "the archive's entry at seq \(pruned.seq) is not the hub's pruned head \(pruned): "
                + "the live chain does not continue this archive"
        }
        if archived.seq > pruned.seq {
            guard archived.seq <= liveHead.seq else {
                return "the archive reaches seq \(archived.seq), past the hub's head at seq \(liveHead.seq): "
                    + "the hub lost entries, or the archive is another hub's"
            }
            guard liveHashAtArchiveHead == archived.hash else {
                return "the hub's entry at seq \(archived.seq) differs from the archive's head \(archived)"
            }
        }
        return nil
    }

    /// An exported head (`--expect-head`) checked where it lies: in the archive (`archivedHash`, the archive's
    /// hash at its seq) when the archive reaches it; else the live chain checks it.
    public static func expectationProblem(
        _ expected: AuditHead, archive: AuditArchiveVerification, archivedHash: AuditHash?
    ) -> String? {
        guard expected.seq <= archive.head.seq, archivedHash != expected.hash else { return nil }
        return "the archive's entry at seq \(expected.seq) differs from the exported head \(expected): "
            + "the past was rewritten"
    }
}
