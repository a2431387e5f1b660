import Foundation
import GRDB
import YiwangCore

/// What happened to outbox entries after they were written, as a second hash chain beside the outbox's own
/// (`outbox_ledger`, chained like the hub's audit log by `AuditEntry.chainHash`):
///
/// - `ack`: the hub holds every entry through `through` (one row per acknowledgement that moves the cursor,
///   not per entry: a heartbeat that acknowledges nothing new writes nothing);
/// - `prune`: entries `from...through` were deleted, with the outbox chain's hash before `from` (`prev`) and
///   at `through` (`hash`), so the gap is tied to the entries on both sides of it;
/// - `migrated_prune`: the same, for a gap that was already there when the ledger was added;
/// - `skip`: numbers `from...through` were never written (a node restored from an older copy re-issues its
///   writes above the hub's high water): `prev` and `hash` are one and the same, the chain goes on unbroken;
/// - `ledger_pruned`: the ledger's own oldest entries were deleted (`OutboxLedger.prune`, after the outbox
///   `retention`), leaving the anchor in its detail (`LedgerAnchor`): the remaining ledger and the outbox are
///   verified from there, so the ledger stays about one retention period long instead of growing forever.
///
/// `verify` trusts no counter in `meta`: every missing outbox seq must be covered by a chained prune entry
/// whose hashes link its neighbours, and a prune may cover only acknowledged entries. Deleting an entry in
/// the middle of the outbox is therefore caught however the counters around it are edited.
enum OutboxLedger {
    static func createTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE outbox_ledger(
                    seq INTEGER PRIMARY KEY,      -- 1, 2, 3, ... with no gaps
                    at_ms INTEGER NOT NULL,
                    kind TEXT NOT NULL,           -- ack | prune | migrated_prune | skip | ledger_pruned
                    detail TEXT NOT NULL,         -- JSON: through; from, prev, hash for a prune
                    prev_hash TEXT NOT NULL,
                    hash TEXT NOT NULL
                )
                """)
    }

    /// Adds the ledger to a file that has an outbox chain: the gaps already there are recorded as
    /// `migrated_prune` entries (trusted as they are now), then the acknowledgement cursor as an `ack`.
    static func migrate(_ db: Database, nowMs: Int64) throws {
        try createTable(db)
        var writer = try Writer(db)
        var last = AuditHead.empty
        let rows = try Row.fetchCursor(db, sql: "SELECT seq, prev_hash, hash FROM outbox ORDER BY seq")
        while let row = try rows.next() {
            let seq: Int64 = row["seq"]
            if seq > last.seq + 1 {
                let hash = ChainedRow.hash(row, "prev_hash", unreadable: .genesis)
                try writer.prune(db, kind: "migrated_prune", from: last.seq + 1, through: seq - 1, prev: last.hash,
                    hash: hash, atMs: nowMs)
            }
            last = AuditHead(seq: seq, hash: ChainedRow.hash(row, "hash", unreadable: .genesis))
        }
        let highest = try EdgeMeta.int(db, EdgeMeta.highestSeq) ?? 0
        if highest > last.seq, let hex = try EdgeMeta.text(db, OutboxChain.lastHash), let hash = AuditHash(hex: hex) {
            try writer.prune(db, kind: "migrated_prune", from: last.seq + 1, through: highest, prev: last.hash,
                hash: hash, atMs: nowMs)
        }
        let acked = min(try EdgeMeta.int(db, EdgeMeta.ackedThrough) ?? 0, max(highest, last.seq))
        if acked > 0 { try writer.ack(db, through: acked, atMs: nowMs) }
    }

    /// After an acknowledgement: one `ack` entry when the acknowledged cursor moved (forwards or back).
    static func noteAck(_ db: Database, through: UInt64, atMs: Int64) throws {
        let highest = UInt64(try EdgeMeta.int(db, EdgeMeta.highestSeq) ?? 0)
        let acked = Int64(clamping: min(through, highest))  // only entries this node wrote can be acknowledged
        var writer = try Writer(db)
        if writer.lastAck == acked { return }
        try writer.ack(db, through: acked, atMs: atMs)
    }

    /// When the outbox's numbering jumps over `from...through` (never written): one `skip` entry, tied to the
    /// chain's hash at the jump (the next entry chains to it directly).
    static func noteSkip(_ db: Database, from: UInt64, through: UInt64, chain: AuditHash, atMs: Int64) throws {
        guard from <= through else { return }
        var writer = try Writer(db)
        try writer.prune(
            db, kind: "skip", from: Int64(clamping: from), through: Int64(clamping: through), prev: chain,
            hash: chain, atMs: atMs)
    }

    /// Before a prune deletes `doomed` (seq order): one `prune` entry per run of consecutive seqs.
    static func notePrune(_ db: Database, doomed: [(seq: Int64, prev: AuditHash, hash: AuditHash)], atMs: Int64)
        throws
    {
        guard var start = doomed.first else { return }
        var writer = try Writer(db)
        var end = start
        for entry in doomed.dropFirst() {
            if entry.seq == end.seq + 1 {
                end = entry
                continue
            }
            try writer.prune(db, kind: "prune", from: start.seq, through: end.seq, prev: start.prev, hash: end.hash,
                atMs: atMs)
            start = entry
            end = entry
        }
        try writer.prune(db, kind: "prune", from: start.seq, through: end.seq, prev: start.prev, hash: end.hash,
            atMs: atMs)
    }

    static let columns = "seq, at_ms, kind, detail, prev_hash, hash"

    static func entry(from row: Row) -> AuditEntry {
        AuditEntry(
            seq: row["seq"], atMs: row["at_ms"], kind: row["kind"], node: "", dataset: "", key: "",
            detail: row["detail"], prevHash: ChainedRow.hash(row, "prev_hash"), hash: ChainedRow.hash(row, "hash"))
    }

    /// Appends ledger entries inside the caller's write transaction.
    struct Writer {
        private(set) var head: AuditHead
        /// The `through` of the newest `ack` entry (nil: none yet).
        private(set) var lastAck: Int64?

        init(_ db: Database) throws {
            head = try ChainedRow.head(db, table: "outbox_ledger")
            let detail = try String.fetchOne(
                db.cachedStatement(
                    sql: "SELECT detail FROM outbox_ledger WHERE kind = 'ack' ORDER BY seq DESC LIMIT 1"))
            lastAck = try detail.flatMap { LedgerDetail.parse($0)?.through } ?? LedgerAnchorTable.load(db).lastAck
        }

        mutating func ack(_ db: Database, through: Int64, atMs: Int64) throws {
            try append(db, kind: "ack", detail: AuditDetail.ledgerAck(through: through), atMs: atMs)
            lastAck = through
        }

        /// The anchor a ledger prune is about to leave (`OutboxLedger.prune`), chained before the rows go.
        mutating func ledgerPruned(_ db: Database, _ anchor: LedgerAnchor, atMs: Int64) throws {
            try append(db, kind: "ledger_pruned", detail: anchor.detail, atMs: atMs)
        }

        mutating func prune(
            _ db: Database, kind: String, from: Int64, through: Int64, prev: AuditHash, hash: AuditHash, atMs: Int64
        ) throws {
            try append(
                db, kind: kind, detail: AuditDetail.ledgerRange(from: from, through: through, prev: prev, hash: hash),
                atMs: atMs)
        }

        private mutating func append(_ db: Database, kind: String, detail: String, atMs: Int64) throws {
            let seq = head.seq + 1
            let hash = AuditEntry.chainHash(
                prev: head.hash, seq: seq, atMs: atMs, kind: kind, node: "", dataset: "", key: "", detail: detail)
            try db.cachedStatement(
                sql: "INSERT INTO outbox_ledger(seq, at_ms, kind, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)"
            ).execute(arguments: [seq, atMs, kind, detail, head.hash.hex, hash.hex])
            head = AuditHead(seq: seq, hash: hash)
        }
    }
}

extension LedgerDetail {
    /// A ledger entry's detail text read back; nil if it is not one.
    static func parse(_ text: String) -> LedgerDetail? { AuditDetailReader.decode(LedgerDetail.self, from: text) }
}
