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
            let ledger = try db.tableExists("outbox_ledger")
            let chained = try db.tableExists("outbox") && db.columns(in: "outbox").contains { $0.name == "hash" }
            if ledger || chained {
                // Without the ledger (a file from before it, read-only here so not migrated): gaps by the count.
                let outbox = ledger
                    ? try OutboxLedger.verify(db, expecting: expecting) : try OutboxChain.verify(db, expecting: expecting)
                let drops = try QuarantineDropLog.verify(db)
                return (.edge, outbox.isIntact && !drops.isIntact ? drops : outbox)
            }
            throw YiwangError.storage("\(path) holds neither a hub audit log nor a node outbox chain")
        }
    }

    /// Verifies an archive and the hub chain in `path` as one chain (`AuditArchiveLink`), and every record
    /// against its archived and live entries.
    public static func verify(path: String, archive: AuditArchiveDirectory, expecting: AuditHead? = nil) throws
        -> ArchivedChainVerification
    {
        try open(path).read { db in
            guard try db.tableExists("audit") else { throw YiwangError.storage("\(path) holds no hub audit log") }
            let pruned = try db.tableExists("audit_pruned_head") ? try AuditArchiveTable.prunedHead(db) : .empty
            let wanted = try db.tableExists("journal_marks") ? try AuditTable.recordsWithArchivedHistory(db) : []
            var collected = ArchivedRecordEntries(wanted: wanted)
            var expectedHash: AuditHash?
            let checked = try AuditArchiveVerifier.verify(archive, hashAt: pruned.seq) { entry, _ in
                collected.collect(entry)
                if entry.seq == expecting?.seq { expectedHash = entry.hash }
            }
            var result = ArchivedChainVerification(archive: checked, live: nil, problem: checked.problem?.description)
            guard result.problem == nil else { return result }
            if let expecting, let problem = AuditArchiveLink.expectationProblem(
                expecting, archive: checked, archivedHash: expectedHash)
            {
                result.problem = problem
                return result
            }
            let liveExpecting = expecting.flatMap { $0.seq > checked.head.seq ? $0 : nil }
            let live = try AuditTable.verify(db, expecting: liveExpecting, archived: collected)
            result.live = live
            let liveHash = try String.fetchOne(
                db, sql: "SELECT hash FROM audit WHERE seq = ?", arguments: [checked.head.seq]
            ).flatMap(AuditHash.init(hex:))
            result.problem =
                AuditArchiveLink.problem(
                    archive: checked, pruned: pruned, liveHead: live.head, liveHashAtArchiveHead: liveHash)
                ?? live.problem.map { "live chain: \($0)" }
            return result
        }
    }

    /// The head of the chain in `path` (last entry's seq and hash).
    public static func head(path: String) throws -> AuditHead {
        try open(path).read { db in
            if try db.tableExists("audit") { return try AuditTable.head(db) }
            return try ChainedRow.head(db, table: "outbox")
        }
    }

    private static func open(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration)
    }
}
