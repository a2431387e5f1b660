import GRDB
import YiwangCore

/// Reading the rows of the hash-chained tables (`audit`, `outbox`, `outbox_ledger`, `quarantine_drops`), each
/// keyed by `seq` with hex `prev_hash` and `hash` columns, by column name.
enum ChainedRow {
    /// The last entry's seq and hash in `table` (a literal of this module), or the empty head when it has none.
    /// An unreadable stored hash reads as the genesis hash: the next entry chains to it, and verify finds the
    /// break.
    static func head(_ db: Database, table: String) throws -> AuditHead {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT seq, hash FROM \(table) ORDER BY seq DESC LIMIT 1"))
        else { return .empty }
        return AuditHead(seq: row["seq"], hash: hash(row, "hash", unreadable: .genesis))
    }

    /// The hash stored in `column` (hex). A missing or unparsable one is `unreadable`: by default the
    /// zero-length hash, unequal to every real one, so that verification reports the entry as edited.
    static func hash(_ row: Row, _ column: String, unreadable: AuditHash = AuditHash(bytes: [])) -> AuditHash {
        (row[column] as String?).flatMap(AuditHash.init(hex:)) ?? unreadable
    }
}
