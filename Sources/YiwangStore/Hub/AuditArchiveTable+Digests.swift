import GRDB
import YiwangAPI
import YiwangCore

extension AuditArchiveTable {
    /// Entries read per page while a segment is re-encoded.
    static let digestPageRows = 5_000

    /// Checks each claimed segment's file digest against the hub's own entries before anything is recorded or
    /// pruned: the segment is encoded again from the hub's rows (`AuditSegmentCodec`, the bytes the archiver
    /// writes) and its SHA-256 must be the claimed `sha256`. A segment holding entries the hub already pruned
    /// can no longer be encoded: it must repeat a segment the hub recorded (same seqs, same digest). Returns the
    /// pruned head the check read, for `record` to confirm (nothing was pruned in between). Read-only: run it in
    /// a read transaction, off the writer.
    static func checkDigests(_ db: Database, _ claim: ArchiveClaimBody) throws -> AuditHead {
        let pruned = try prunedHead(db)
        for segment in claim.segments where segment.isWellFormed {
            let claimed = segment.sha256.lowercased()
            if segment.firstSeq <= pruned.seq {
                let recorded = try String.fetchAll(
                    db, sql: "SELECT sha256 FROM audit_segments WHERE first_seq = ? AND last_seq = ?",
                    arguments: [segment.firstSeq, segment.lastSeq])
                guard recorded.contains(claimed) else {
                    throw YiwangError.invalidField(
                        "sha256", "segment \(segment.file) holds entries the hub already pruned (up to seq "
                            + "\(pruned.seq)) and matches no segment it recorded for them: its digest cannot be "
                            + "checked; refused")
                }
                continue
            }
            let actual = try digest(db, firstSeq: segment.firstSeq, lastSeq: segment.lastSeq, pruned: pruned)
            guard let actual, actual.hex == claimed else {
                throw YiwangError.invalidField(
                    "sha256", "segment \(segment.file) claims SHA-256 \(segment.sha256), but the hub's own entries "
                        + "\(segment.firstSeq)...\(segment.lastSeq) encode to "
                        + "\(actual?.hex ?? "nothing (entries are missing)"): refused, nothing pruned")
            }
        }
        return pruned
    }

    /// The SHA-256 of the segment file for the hub's entries `firstSeq...lastSeq` (all after `pruned`), streamed
    /// page by page; nil when the hub does not hold every one of them.
    private static func digest(_ db: Database, firstSeq: Int64, lastSeq: Int64, pruned: AuditHead) throws -> AuditHash? {
        let prev: AuditHash
        if firstSeq == 1 {
            prev = .genesis
        } else if firstSeq - 1 == pruned.seq {
            prev = pruned.hash
        } else {
            guard let entry = try AuditTable.entries(db, from: firstSeq - 1, limit: 1).first, entry.seq == firstSeq - 1
            else { return nil }
            prev = entry.hash
        }
        guard let head = try AuditTable.entries(db, from: lastSeq, limit: 1).first, head.seq == lastSeq else {
            return nil
        }
        var hasher = AuditHash.Streaming()
        hasher.update(try AuditSegmentCodec.headerLine(firstSeq: firstSeq, lastSeq: lastSeq, prev: prev, head: head.hash))
        var next = firstSeq
        while true {
            let page = try AuditTable.entries(db, from: next, limit: Int(min(Int64(digestPageRows), lastSeq - next + 1)))
            guard !page.isEmpty else { return nil }
            for entry in page {
                guard entry.seq == next else { return nil }  // a hole: the hub lacks an entry the file claims
                hasher.update(try AuditSegmentCodec.entryLine(entry))
                if next == lastSeq { return hasher.finalize() }
                next += 1
            }
        }
    }
}
