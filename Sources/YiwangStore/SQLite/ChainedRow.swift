import GRDB
import YiwangCore

/// Reading the rows of the hash-chained tables (`audit`, `outbox`, `outbox_ledger`, `quarantine_drops`), each
/// keyed by `seq` with `prev_hash` and `hash` columns, by column name.
///
/// A hash is stored as 64 hex digits (every table, and the hub's older `audit` rows) or as its 32 bytes (the
/// hub's `audit` rows written by `AuditWriter` now). Such a newer `audit` row stores no previous hash (an empty
/// blob): it is the previous entry's `hash`, and each entry's hash is taken over it, so the verifier checks the
/// link from the entries themselves (`AuditChainVerifier`). Old and new rows sit side by side in one chain: no
/// row is rewritten on upgrade.
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

    /// The hash stored in `column` (hex text or 32 bytes). A missing or unparsable one is `unreadable`: by
    /// default the zero-length hash, unequal to every real one, so that verification reports the entry as edited.
    static func hash(_ row: Row, _ column: String, unreadable: AuditHash = AuditHash(bytes: [])) -> AuditHash {
        let value: DatabaseValue = row[column]
        if case .blob(let bytes) = value.storage {
            return bytes.count == 32 ? AuditHash(bytes: [UInt8](bytes)) : unreadable
        }
        return String.fromDatabaseValue(value).flatMap(AuditHash.init(hex:)) ?? unreadable
    }

    /// The previous hash stored in `column`: nil when the row stores none (an empty blob: newer `audit` rows),
    /// else as `hash` reads it (an unreadable one fails the verifier's link check).
    static func previousHash(_ row: Row, _ column: String) -> AuditHash? {
        let value: DatabaseValue = row[column]
        if case .blob(let bytes) = value.storage, bytes.isEmpty { return nil }
        return hash(row, column)
    }
}
