import Foundation
import YiwangCore

/// Reads back the JSON details of chained entries (`AuditDetail` builds them; `AppliedDetail`, `ConflictDetail`,
/// `LedgerDetail` are their shapes), for the hub's blame and records check and the node's ledger.
enum AuditDetailReader {
    private static let decoder = JSONDecoder()

    /// `text` decoded as `type`; nil if it is not one.
    static func decode<Detail: Decodable>(_ type: Detail.Type, from text: String) -> Detail? {
        try? decoder.decode(type, from: Data(text.utf8))
    }
}

extension AuditEntry {
    /// The entry's detail decoded as `type`; nil if it is not one.
    func decodedDetail<Detail: Decodable>(as type: Detail.Type) -> Detail? {
        AuditDetailReader.decode(type, from: detail)
    }
}
