import GRDB
import YiwangCore

/// Where blame finds a purged record's history: its `records` row is gone (and with it `last_audit`, the head of
/// the record's back-linked audit entries), so `purged_records` keeps the seq of its `purge` entry, whose
/// `record_prev` links to the entries before it. A few bytes per purged record instead of the tombstone's
/// whole row, and bounded too: a row whose `purge` entry was removed from the hub (`prunedSeq`, archived
/// segments only) is dropped, the archive then being where that history lives.
enum PurgedRecordTable {
    static let auditKind = "purge"
    /// One audit entry with its record link, by seq.
    private static let entrySQL = "SELECT \(AuditTable.columns), record_prev FROM audit WHERE seq = ?"

    static func createTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE purged_records(
                    dataset TEXT NOT NULL,
                    key TEXT NOT NULL,
                    purge_seq INTEGER NOT NULL,    -- the record's newest `purge` audit entry
                    PRIMARY KEY(dataset, key)
                ) WITHOUT ROWID
                """)
    }

    /// The seq of the record's newest `purge` entry, if it was ever purged.
    static func purgeSeq(_ db: Database, dataset: String, key: String) throws -> Int64? {
        try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT purge_seq FROM purged_records WHERE dataset = ? AND key = ?"),
            arguments: [dataset, key])
    }

    static func record(_ db: Database, dataset: String, key: String, purgeSeq: Int64) throws {
        try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO purged_records(dataset, key, purge_seq) VALUES (?, ?, ?)"
        ).execute(arguments: [dataset, key, purgeSeq])
    }

    /// Drops the rows whose `purge` entry is no longer on the hub (at or before `prunedSeq`).
    static func trim(_ db: Database, prunedSeq: Int64) throws {
        guard prunedSeq > 0 else { return }
        try db.execute(sql: "DELETE FROM purged_records WHERE purge_seq <= ?", arguments: [prunedSeq])
    }

    /// A purged life of a record: its `apply` and `conflict` entries (oldest first), the `purge` entry that ended
    /// it, and the vectors it purged.
    struct Life {
        var entries: [RecordAuditEntry]
        var purge: AuditEntry
        var purgedVectors: Set<ByteKey>
        /// The newest entry of this life no longer on the hub (archived and pruned), if its walk met one.
        var archivedLink: Int64?
    }

    /// Every purged life of the record, oldest first: from its newest `purge` entry back through each
    /// `previous_purge`. A damaged link stops the walk (links only go back, and must name this record).
    static func lives(_ db: Database, dataset: String, key: String) throws -> [Life] {
        var lives: [Life] = []
        var next = try purgeSeq(db, dataset: dataset, key: key)
        let statement = try db.cachedStatement(sql: entrySQL)
        while let seq = next, let row = try Row.fetchOne(statement, arguments: [seq]) {
            let purge = AuditTable.entry(from: row)
            guard purge.kind == auditKind, ByteKey.equal(purge.dataset, dataset), ByteKey.equal(purge.key, key),
                let detail = purge.decodedDetail(as: PurgeDetail.self)
            else { break }
            let (entries, archived) = try chain(
                db, from: row["record_prev"] as Int64?, before: seq, dataset: dataset, key: key)
            let vectors = Set(detail.vectors.split(separator: " ").map { ByteKey(String($0)) })
            lives.append(Life(entries: entries, purge: purge, purgedVectors: vectors, archivedLink: archived))
            next = detail.previousPurge.flatMap { $0 < seq ? $0 : nil }
        }
        return lives.reversed()
    }

    /// The record's `apply` and `conflict` entries linked back from `link`, oldest first, and the link that
    /// ended the walk when it names an entry pruned from the hub (its history goes on in the archive).
    private static func chain(
        _ db: Database, from link: Int64?, before limit: Int64, dataset: String, key: String
    ) throws -> ([RecordAuditEntry], Int64?) {
        let statement = try db.cachedStatement(sql: entrySQL)
        let prunedSeq = try JournalMarks.get(db, .prunedSeq)
        var entries: [RecordAuditEntry] = []
        var next = link.flatMap { $0 < limit ? $0 : nil }
        while let seq = next {
            guard let row = try Row.fetchOne(statement, arguments: [seq]) else {
                return (entries.reversed(), seq <= prunedSeq ? seq : nil)
            }
            let entry = AuditTable.entry(from: row)
            guard ByteKey.equal(entry.dataset, dataset), ByteKey.equal(entry.key, key) else { break }
            switch entry.kind {
            case "apply": if let d = entry.decodedDetail(as: AppliedDetail.self) { entries.append(.applied(entry, d)) }
            case "conflict":
                if let d = entry.decodedDetail(as: ConflictDetail.self) { entries.append(.conflict(entry, d)) }
            default: break
            }
            next = (row["record_prev"] as Int64?).flatMap { $0 < seq ? $0 : nil }
        }
        return (entries.reversed(), nil)
    }
}
