import GRDB
import YiwangCore

/// One of a record's `apply` or `conflict` audit entries with its detail decoded, as blame and the records
/// check both read them.
enum RecordAuditEntry {
    case applied(AuditEntry, AppliedDetail)
    case conflict(AuditEntry, ConflictDetail)
}

extension AuditTable {
    /// The record's `apply` and `conflict` entries, oldest first, each with its detail (`AuditDetail.applied`,
    /// `AuditDetail.conflict`) decoded; an entry whose detail does not decode is left out.
    static func recordDetails(_ db: Database, dataset: String, key: String) throws -> [RecordAuditEntry] {
        details(of: try recordHistory(db, dataset: dataset, key: key).entries)
    }

    /// The `apply` and `conflict` entries among `entries`, each with its detail decoded (others left out).
    static func details(of entries: [AuditEntry]) -> [RecordAuditEntry] {
        entries.compactMap { entry in
            switch entry.kind {
            case "apply": entry.decodedDetail(as: AppliedDetail.self).map { .applied(entry, $0) }
            case "conflict": entry.decodedDetail(as: ConflictDetail.self).map { .conflict(entry, $0) }
            default: nil
            }
        }
    }
}
