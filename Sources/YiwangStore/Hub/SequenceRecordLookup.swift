import GRDB
import YiwangCore

/// Finds what the hub recorded under a node's resent sequence (`SequenceRecord`), for the batch's plan, in this
/// order: the digest of a change refused or held back (`SequenceDigestTable`); the record of the resent version
/// still showing that very version; the `apply` entry of that node and sequence among the record's journal
/// entries, newest first (the record's links, then an upgraded hub's legacy index). Nothing found (the entry
/// archived and pruned, or the sequence used for another record) leaves the sequence to be refused as reused,
/// unless written before the oldest entry kept (`BatchPrefetch.journalStartMs`).
///
/// Resends are rare (a lost acknowledgement, a restored node), and the entry of a recent one is near its
/// record's newest; the entries read per batch are bounded all the same (`maxEntriesPerBatch`).
struct SequenceRecordLookup {
    /// Past this many journal entries read in one batch, a sequence not yet found counts as not found.
    static let maxEntriesPerBatch = 200_000
    private var budget = maxEntriesPerBatch

    mutating func find(_ db: Database, node: String, change: Change) throws -> SequenceRecord? {
        if let digest = try SequenceDigestTable.stored(db, node: node, seq: change.seq) { return .digest(digest) }
        let version = change.version
        let resent = AppliedDetail(version)
        if let state = try RecordTable.load(db, dataset: version.dataset, key: version.key),
            state.visible.contains(where: { AppliedDetail($0) == resent })
        {
            return .version(resent)
        }
        return try journalEntry(db, node: node, change: change).map(SequenceRecord.version)
    }

    /// The hub time of the oldest journal entry the hub keeps (`BatchPrefetch.journalStartMs`), once entries
    /// were pruned (before that, every change the hub merged has its entry: nil).
    static func journalStartMs(_ db: Database) throws -> Int64? {
        guard try JournalMarks.get(db, .prunedSeq) > 0 else { return nil }
        return try Int64.fetchOne(db.cachedStatement(sql: "SELECT at_ms FROM audit ORDER BY seq LIMIT 1"))
    }

    private mutating func journalEntry(_ db: Database, node: String, change: Change) throws -> AppliedDetail? {
        let (dataset, key) = (change.version.dataset, change.version.key)
        let seq = Int64(clamping: change.seq)
        // A record whose tombstone was purged has no row: its `purge` entry links back to its history.
        var next = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT last_audit FROM records WHERE dataset = ? AND key = ?"),
            arguments: [dataset, key])
        if next == nil { next = try PurgedRecordTable.purgeSeq(db, dataset: dataset, key: key) }
        let statement = try db.cachedStatement(
            sql: "SELECT \(AuditTable.columns), record_prev FROM audit WHERE seq = ?")
        while let entrySeq = next, budget > 0 {
            budget -= 1
            guard let row = try Row.fetchOne(statement, arguments: [entrySeq]) else { break }  // archived and pruned
            let entry = AuditTable.entry(from: row)
            // A damaged link: stop, never stray into another record's entries.
            guard ByteKey.equal(entry.dataset, dataset), ByteKey.equal(entry.key, key) else { return nil }
            if let found = Self.recorded(entry, node: node, seq: seq) { return found }
            let previous = row["record_prev"] as Int64?
            next = previous.flatMap { $0 < entrySeq ? $0 : nil }  // links only go back
        }
        guard budget > 0, let through = try Int64.fetchOne(db, sql: "SELECT through FROM audit_legacy") else {
            return nil
        }
        let legacy = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT \(AuditTable.columns) FROM audit
                    WHERE dataset = ? AND key = ? AND \(AuditTable.legacyFilter(through)) ORDER BY seq DESC
                    """),
            arguments: [dataset, key])
        while budget > 0, let row = try legacy.next() {
            budget -= 1
            if let found = Self.recorded(AuditTable.entry(from: row), node: node, seq: seq) { return found }
        }
        return nil
    }

    /// The version of `entry` when it is `node`'s `apply` entry of sequence `seq`.
    private static func recorded(_ entry: AuditEntry, node: String, seq: Int64) -> AppliedDetail? {
        guard entry.kind == "apply", ByteKey.equal(entry.node, node),
            entry.decodedDetail(as: SequenceOfDetail.self)?.seq == seq,
            let detail = entry.decodedDetail(as: AppliedDetail.self)
        else { return nil }
        return detail
    }

    /// The sender's sequence in an `apply` entry's detail (`AuditDetail.applied`).
    private struct SequenceOfDetail: Decodable {
        var seq: Int64?
    }
}
