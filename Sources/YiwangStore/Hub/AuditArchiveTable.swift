import GRDB
import YiwangAPI
import YiwangCore

/// The hub's record of sealed archives (`audit_segments`: which segment file of which archive holds which seqs)
/// and of what was pruned (`audit_pruned_head`: the last removed entry's seq and hash, which the live chain's
/// first entry must link to). Marks: `JournalMarks.archivedSeq`, `.prunedSeq`.
enum AuditArchiveTable {
    static func createTables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE audit_segments(
                    archive_id TEXT NOT NULL,
                    first_seq INTEGER NOT NULL,
                    last_seq INTEGER NOT NULL,
                    file TEXT NOT NULL,
                    head_hash TEXT NOT NULL,          -- hex, checked against the hub's own entry when recorded
                    sha256 TEXT NOT NULL,             -- of the file, as the archiver reported it
                    directory TEXT NOT NULL,          -- as the operator named it; never opened by the hub
                    recorded_at_ms INTEGER NOT NULL,
                    PRIMARY KEY(archive_id, first_seq)
                ) WITHOUT ROWID;
                CREATE INDEX audit_segments_by_last ON audit_segments(last_seq);
                CREATE TABLE audit_pruned_head(
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    seq INTEGER NOT NULL,
                    hash TEXT NOT NULL
                );
                """)
    }

    /// Claims the hub refuses outright: more segments than this in one request.
    static let maxSegmentsPerClaim = 10_000

    /// The last pruned entry (`.empty` when nothing was pruned). An unreadable stored hash reads as the
    /// zero-length hash, so the live chain's first entry fails its link and verify reports it.
    static func prunedHead(_ db: Database) throws -> AuditHead {
        guard let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_pruned_head WHERE id = 1") else {
            return .empty
        }
        // An edited row (text, NULL) reads as seq 0, never a trap: the live chain's first entry then fails its link.
        let seq = Int64.fromDatabaseValue(row["seq"] as DatabaseValue) ?? 0
        return AuditHead(seq: max(0, seq), hash: ChainedRow.hash(row, "hash"))
    }

    static func state(_ db: Database) throws -> ArchiveStateBody {
        ArchiveStateBody(
            archivedSeq: try JournalMarks.get(db, .archivedSeq), prunedHead: try prunedHead(db),
            segments: try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_segments") ?? 0)
    }

    /// Records a claim after checking it against the hub's own chain: well-formed contiguous segments starting
    /// no later than the archived position + 1 (no hole in what is called archived), each segment's head hash
    /// equal to the hub's entry at its last seq and its previous hash to the entry before its first, and (checked
    /// before, `checkDigests`) each file's SHA-256 that of the hub's own entries encoded again. Nothing a client
    /// claims is taken on trust; a refused claim records nothing.
    /// `digestsCheckedAt`: the pruned head `checkDigests` read when it checked the claim's file digests; the
    /// claim is refused if the hub pruned since (send it again).
    static func record(_ db: Database, _ claim: ArchiveClaimBody, nowMs: Int64, digestsCheckedAt: AuditHead) throws {
        let idBytes = Array(claim.archiveID.utf8)
        guard (1...64).contains(idBytes.count), idBytes.allSatisfy({ $0 == 0x2D || $0 < 0x80 && isAlnum($0) }) else {
            throw YiwangError.invalidField("archiveID", "expected 1 to 64 letters, digits or '-'")
        }
        guard (1...4096).contains(claim.directory.utf8.count) else {
            throw YiwangError.invalidField("directory", "expected 1 to 4096 bytes")
        }
        guard (1...maxSegmentsPerClaim).contains(claim.segments.count) else {
            throw YiwangError.invalidField("segments", "expected 1 to \(maxSegmentsPerClaim) segments")
        }
        let archived = try JournalMarks.get(db, .archivedSeq)
        let pruned = try prunedHead(db)
        guard pruned == digestsCheckedAt else {
            throw YiwangError.unavailable("the hub pruned audit entries while the claim was checked: send it again")
        }
        guard let first = claim.segments.first, first.firstSeq <= archived.saturatingAdd(1) else {
            throw YiwangError.invalidField(
                "segments", "the first segment must start at or before seq \(archived.saturatingAdd(1)): "
                    + "entries before it are not archived")
        }
        var expectedFirst = first.firstSeq
        for segment in claim.segments {
            guard segment.isWellFormed, segment.firstSeq == expectedFirst else {
                throw YiwangError.invalidField(
                    "segments", "segment \(segment.file) is malformed or does not follow the one before it")
            }
            try checkAgainstChain(db, segment, pruned: pruned)
            expectedFirst = segment.lastSeq.saturatingAdd(1)
        }
        let insert = try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO audit_segments(
                    archive_id, first_seq, last_seq, file, head_hash, sha256, directory, recorded_at_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for segment in claim.segments {
            try insert.execute(arguments: [
                claim.archiveID, segment.firstSeq, segment.lastSeq, segment.file, segment.headHash.lowercased(),
                segment.sha256.lowercased(), claim.directory, nowMs,
            ])
        }
        try JournalMarks.advance(db, .archivedSeq, to: claim.segments.last?.lastSeq ?? 0)
    }

    /// The segment's head must be the hub's entry at its last seq, and its previous hash the entry before its
    /// first (the genesis hash for seq 1); a pruned entry is known only by the pruned head.
    private static func checkAgainstChain(_ db: Database, _ segment: AuditSegmentInfo, pruned: AuditHead) throws {
        func hash(at seq: Int64) throws -> AuditHash? {
            if seq == 0 { return .genesis }
            if seq == pruned.seq { return pruned.hash }
            guard let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT hash FROM audit WHERE seq = ?"), arguments: [seq])
            else { return nil }
            return ChainedRow.hash(row, "hash")
        }
        guard let head = try hash(at: segment.lastSeq) else {
            throw YiwangError.invalidField(
                "segments", "the hub holds no entry at seq \(segment.lastSeq) to check segment \(segment.file) against")
        }
        guard head.hex == segment.headHash.lowercased() else {
            throw YiwangError.invalidField(
                "segments", "segment \(segment.file) claims head \(segment.headHash) at seq \(segment.lastSeq), "
                    + "but the hub's entry there is \(head.hex): refused")
        }
        if let prev = try hash(at: segment.firstSeq - 1), prev.hex != segment.prevHash.lowercased() {
            throw YiwangError.invalidField(
                "segments", "segment \(segment.file) does not start after the hub's entry \(segment.firstSeq - 1)")
        }
    }

    /// The recorded segment holding `seq` (the most recently recorded one when several archives hold it).
    static func segment(holding seq: Int64, _ db: Database) throws -> (file: String, archiveID: String, directory: String)? {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT file, archive_id, directory FROM audit_segments WHERE last_seq >= ? AND first_seq <= ?
                    ORDER BY recorded_at_ms DESC LIMIT 1
                    """, arguments: [seq, seq])
        else { return nil }
        return (row["file"], row["archive_id"], row["directory"])
    }

    private static func isAlnum(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}
