import YiwangCore

/// `POST /v1/audit/archives` (admin): segments just sealed and made durable by `yiwangctl audit archive`. The
/// hub checks every claimed head against its own entry before it records anything.
public struct ArchiveClaimBody: Codable, Sendable, Hashable {
    public var archiveID: String
    /// The archive directory as the operator named it (shown by blame; the hub never opens it).
    public var directory: String
    public var segments: [AuditSegmentInfo]

    public init(archiveID: String, directory: String, segments: [AuditSegmentInfo]) {
        self.archiveID = archiveID
        self.directory = directory
        self.segments = segments
    }
}

/// `GET /v1/audit/archives`, and the answer to a claim: how much of the chain is archived and pruned.
public struct ArchiveStateBody: Codable, Sendable, Hashable {
    /// Entries up to here are sealed in a recorded archive.
    public var archivedSeq: Int64
    /// Entries up to here are gone from the hub; the live chain continues from `prunedHead`.
    public var prunedSeq: Int64
    /// `SEQ:HASH` of the last pruned entry (`0:000…` when none was).
    public var prunedHead: String
    /// Segments the hub has recorded.
    public var segments: Int
    /// Entries removed by this request (claims only).
    public var prunedNow: Int?

    public init(archivedSeq: Int64, prunedHead: AuditHead, segments: Int, prunedNow: Int? = nil) {
        self.archivedSeq = archivedSeq
        prunedSeq = prunedHead.seq
        self.prunedHead = prunedHead.description
        self.segments = segments
        self.prunedNow = prunedNow
    }
}

/// Where a record's older history went: its newest archived entry and the segment that holds it.
public struct ArchivedHistory: Codable, Sendable, Hashable {
    /// The newest of the record's entries that is no longer on the hub.
    public var newestArchivedSeq: Int64
    /// The segment file holding it and its archive (nil if the hub has no record of it).
    public var segment: String?
    public var archiveID: String?
    public var directory: String?

    public init(newestArchivedSeq: Int64, segment: String?, archiveID: String?, directory: String?) {
        self.newestArchivedSeq = newestArchivedSeq
        self.segment = segment
        self.archiveID = archiveID
        self.directory = directory
    }
}
