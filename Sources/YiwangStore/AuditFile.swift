import GRDB
import YiwangCore

/// Offline verification of a copy of a Yiwang SQLite file: the hub's `audit` chain (`hub.sqlite`) or a node's
/// outbox chain (`edge.sqlite`), told apart by their tables. Opens the file read-only and changes nothing.
public enum AuditFile {
    /// Which chain a file holds.
    public enum Kind: String, Sendable {
        case hub, edge
    }

    /// Verifies the chain in `path`, against an exported head if given.
    public static func verify(path: String, expecting: AuditHead? = nil) throws -> (Kind, AuditVerification) {
        try open(path).read { db in
            if try db.tableExists("audit") { return (.hub, try AuditTable.verify(db, expecting: expecting)) }
            if try db.tableExists("outbox_ledger") { return (.edge, try OutboxLedger.verify(db, expecting: expecting)) }
            if try db.tableExists("outbox"), try db.columns(in: "outbox").contains(where: { $0.name == "hash" }) {
                // A file from before the ledger (read-only here, so not migrated): gaps checked by the count.
                return (.edge, try OutboxChain.verify(db, expecting: expecting))
            }
            throw YiwangError.storage("\(path) holds neither a hub audit log nor a node outbox chain")
        }
    }

    /// The head of the chain in `path` (last entry's seq and hash).
    public static func head(path: String) throws -> AuditHead {
        try open(path).read { db in
            if try db.tableExists("audit") { return try AuditTable.head(db) }
            guard let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM outbox ORDER BY seq DESC LIMIT 1") else {
                return .empty
            }
            return AuditHead(seq: row[0], hash: AuditHash(hex: row[1] as String? ?? "") ?? .genesis)
        }
    }

    private static func open(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration)
    }
}
