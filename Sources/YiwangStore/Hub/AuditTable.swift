import Foundation
import GRDB
import YiwangCore

/// The hub's tamper-evident `audit` table: every applied change, conflict decision and refused batch or change,
/// appended in the transaction that did it, each entry chained to the previous one by SHA-256
/// (`AuditEntry`). Details hold vectors, actors, error codes and value hashes, never values; the journal's
/// unhashed `value` column holds a feed version's value until compaction (`AuditTable+Journal`).
public enum AuditTable {
    static func createTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE audit(
                    seq INTEGER PRIMARY KEY,          -- 1, 2, 3, ... with no gaps
                    at_ms INTEGER NOT NULL,           -- hub clock
                    kind TEXT NOT NULL,               -- apply | conflict | reject_change | reject_batch | credential
                    node TEXT NOT NULL,
                    dataset TEXT NOT NULL,
                    key TEXT NOT NULL,
                    detail TEXT NOT NULL,             -- JSON; never a record value (value_sha256 at most)
                    prev_hash TEXT NOT NULL,          -- older rows: hex SHA-256 of the previous entry; newer: X''
                    hash TEXT NOT NULL                -- SHA-256(previous hash || canonical bytes of this entry):
                                                      -- hex in older rows, its 32 bytes in newer (`ChainedRow`)
                );
                CREATE INDEX audit_by_record ON audit(dataset, key) WHERE kind IN ('apply', 'conflict');
                """)
    }

    /// The last entry's seq and hash (the empty head for an empty log).
    public static func head(_ db: Database) throws -> AuditHead {
        try ChainedRow.head(db, table: "audit")
    }

    /// The texts are read as their bytes: SQLite keeps a NUL inside a text (a refused change's key may hold
    /// one), but reading it as text would stop there, and the entry would no longer match its own hash.
    /// (Named apart from the table's columns, so that a WHERE clause beside them still means the stored text.)
    static let columns = """
        seq, at_ms, CAST(kind AS BLOB) AS kind_bytes, CAST(node AS BLOB) AS node_bytes, \
        CAST(dataset AS BLOB) AS dataset_bytes, CAST(key AS BLOB) AS key_bytes, CAST(detail AS BLOB) AS detail_bytes, \
        prev_hash, hash
        """

    /// An entry from a row holding `columns`, read by name.
    static func entry(from row: Row) -> AuditEntry {
        func text(_ column: String) -> String {
            let bytes = (row[column] as Data?) ?? Data()
            // Stored from Swift strings, so valid UTF-8; bytes edited into something else fail the hash check.
            return String(validating: bytes, as: UTF8.self) ?? String(decoding: bytes, as: UTF8.self)
        }
        return AuditEntry(
            seq: row["seq"], atMs: row["at_ms"], kind: text("kind_bytes"), node: text("node_bytes"),
            dataset: text("dataset_bytes"), key: text("key_bytes"), detail: text("detail_bytes"),
            prevHash: ChainedRow.previousHash(row, "prev_hash"), hash: ChainedRow.hash(row, "hash"))
    }

    /// Entries from `seq` on, in order, at most `limit`, each with its previous hash: a row that stores none
    /// gets the hash of the entry before it (the pruned head's, or the genesis hash before seq 1), so pages and
    /// archive segments read the same whichever form the rows were written in.
    public static func entries(_ db: Database, from seq: Int64, limit: Int) throws -> [AuditEntry] {
        var entries = try Row.fetchAll(
            db, sql: "SELECT \(columns) FROM audit WHERE seq >= ? ORDER BY seq LIMIT ?",
            arguments: [seq, max(1, min(limit, 10_000))]
        ).map(entry(from:))
        for index in entries.indices where entries[index].prevHash == nil {
            if index > 0, entries[index - 1].seq.saturatingAdd(1) == entries[index].seq {
                entries[index].prevHash = entries[index - 1].hash
            } else {
                entries[index].prevHash = try hash(before: entries[index].seq, db)
            }
        }
        return entries
    }

    /// The hash of the entry before `seq`: the genesis hash before the first, the pruned head's, or the stored
    /// entry's; nil when there is no such entry (a gap, which the verifier reports).
    private static func hash(before seq: Int64, _ db: Database) throws -> AuditHash? {
        guard seq > 1 else { return .genesis }
        if let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT hash FROM audit WHERE seq = ?"), arguments: [seq - 1])
        {
            return ChainedRow.hash(row, "hash")
        }
        let pruned = try db.tableExists("audit_pruned_head") ? try AuditArchiveTable.prunedHead(db) : .empty
        return pruned.seq == seq - 1 ? pruned.hash : nil
    }

    /// Verifies the whole chain in stored order (streaming), against an exported head if given; then, with the
    /// chain intact, every record's stored state against its entries (`verifyRecords`). On a pruned hub the
    /// chain is checked from the pruned head (`AuditArchiveTable.prunedHead`): the first live entry must link
    /// to it; the archived part is checked only with the archive (`audit verify --archive`), and `archived`
    /// holds its entries of the records whose history it keeps.
    static func verify(_ db: Database, expecting: AuditHead?, archived: ArchivedRecordEntries? = nil) throws
        -> AuditVerification
    {
        let anchor = try db.tableExists("audit_pruned_head") ? try AuditArchiveTable.prunedHead(db) : .empty
        if let expecting, expecting.seq < anchor.seq {
            let problem = AuditProblem(
                position: 0, seq: expecting.seq,
                reason: "the exported head \(expecting) is in the archived part (pruned up to seq \(anchor.seq)): "
                    + "check it with --archive DIR")
            return AuditVerification(checked: 0, head: anchor, problem: problem, archivedThrough: anchor.seq)
        }
        var verifier = AuditChainVerifier(anchor: anchor, expecting: expecting)
        let rows = try Row.fetchCursor(db, sql: "SELECT \(columns) FROM audit ORDER BY rowid")
        while let row = try rows.next(), verifier.check(entry(from: row)) {}
        var chain = verifier.finish()
        chain.archivedThrough = anchor.seq
        return chain.isIntact ? try verifyRecords(db, after: chain, archived: archived) : chain
    }

    public static func verify(_ db: Database, expecting: AuditHead?) throws -> AuditVerification {
        try verify(db, expecting: expecting, archived: nil)
    }

    /// Links every record's `apply` and `conflict` entries newest to oldest, replacing the `(dataset, key)`
    /// index: that index took one random B-tree insert per applied change (measured: 13% of the hub's apply
    /// time), while `records.last_audit` sits in the row the apply writes anyway and `record_prev` in the
    /// appended entry. The links are not part of the hashed bytes: `audit verify` is unchanged, and blame
    /// checks that each entry it follows is the record's.
    ///
    /// A hub upgraded with entries already in its log keeps those findable through a partial index over
    /// exactly them (`audit_legacy.through`), built once: 1.3 s per million entries here, where filling in
    /// links for the old entries took 11 s per million, too long a first start for a large hub.
    static func migrateToRecordLinks(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE audit ADD COLUMN record_prev INTEGER;   -- the record's previous apply/conflict entry
                ALTER TABLE records ADD COLUMN last_audit INTEGER;  -- the record's newest apply/conflict entry
                DROP INDEX audit_by_record;
                CREATE TABLE audit_legacy(through INTEGER NOT NULL);  -- entries up to here: by the index below
                """)
        let through = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM audit") ?? 0
        guard through > 0 else { return }
        try db.execute(sql: "INSERT INTO audit_legacy(through) VALUES (?)", arguments: [through])
        try db.execute(
            sql: "CREATE INDEX audit_by_record_legacy ON audit(dataset, key) WHERE \(legacyFilter(through))")
    }

    /// The legacy index's condition, with `through` as a literal: SQLite uses a partial index only for a query
    /// whose WHERE clause repeats it (a bound parameter would not match).
    static func legacyFilter(_ through: Int64) -> String {
        "kind IN ('apply', 'conflict') AND seq <= \(through)"
    }

    /// One record's `apply` and `conflict` entries still on the hub, oldest first, and where its older history
    /// went when part of it was pruned.
    struct RecordEntries {
        var entries: [AuditEntry]
        /// The newest of the record's entries that is no longer on the hub (archived and pruned), if any: its
        /// history before the first of `entries` is in the archive, not here.
        var archivedLink: Int64?
    }

    /// The `apply` and `conflict` entries of one record, oldest first (for blame): those from before the
    /// links through the legacy index, then the record's links. A link to a pruned entry ends the walk and is
    /// reported as `archivedLink`; on a hub upgraded from the legacy index, once anything was pruned every
    /// record's oldest history may be gone, so each says so (from the pruned legacy range).
    static func recordHistory(_ db: Database, dataset: String, key: String) throws -> RecordEntries {
        let prunedSeq = try db.tableExists("journal_marks") ? try JournalMarks.get(db, .prunedSeq) : 0
        var legacy: [AuditEntry] = []
        var archivedLink: Int64?
        if let through = try Int64.fetchOne(db, sql: "SELECT through FROM audit_legacy") {
            legacy = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT \(columns) FROM audit WHERE dataset = ? AND key = ? AND \(legacyFilter(through))
                        ORDER BY seq
                        """),
                arguments: [dataset, key]
            ).map(entry(from:))
            if prunedSeq > 0 { archivedLink = min(through, prunedSeq) }
        }
        var next = try Int64.fetchOne(
            db, sql: "SELECT last_audit FROM records WHERE dataset = ? AND key = ?", arguments: [dataset, key])
        let statement = try db.cachedStatement(sql: "SELECT \(columns), record_prev FROM audit WHERE seq = ?")
        var entries: [AuditEntry] = []
        while let seq = next {
            guard let row = try Row.fetchOne(statement, arguments: [seq]) else {
                if seq <= prunedSeq { archivedLink = max(archivedLink ?? 0, seq) }
                break
            }
            let entry = entry(from: row)
            // A damaged link: stop, never stray (compared as bytes, as the rows are keyed).
            guard ByteKey.equal(entry.dataset, dataset), ByteKey.equal(entry.key, key) else { break }
            entries.append(entry)
            let previous = row["record_prev"] as Int64?
            next = previous.flatMap { $0 < seq ? $0 : nil }  // links only go back: no loop on a damaged file
        }
        // The links start after the legacy entries.
        return RecordEntries(entries: legacy + entries.reversed(), archivedLink: archivedLink)
    }
}

/// Appends entries to the audit chain inside one write transaction, carrying the head from entry to entry.
/// Their details are built by `AuditDetail` (`applied`, `conflict`, `refusal`, ...). Lives only inside that
/// transaction: it keeps the insert statement prepared across the entries it appends.
struct AuditWriter {
    private(set) var head: AuditHead
    private var insert: BoundWrite?

    init(head: AuditHead) { self.head = head }

    /// Reads the current head; call inside the write transaction that will append.
    init(_ db: Database) throws {
        head = try AuditTable.head(db)
    }

    /// Appends one entry and returns its seq. `recordLink` is the seq of the record's previous `apply` or
    /// `conflict` entry (`records.last_audit`), which the caller then moves to the returned seq. `feed` is the
    /// version of an `apply` entry that changed the hub's state: the entry is then a feed version and holds its
    /// value (not hashed; the detail holds its SHA-256), see `AuditTable+Journal`.
    @discardableResult
    mutating func append(
        _ db: Database, atMs: Int64, kind: String, node: String, dataset: String = "", key: String = "",
        detail: String, recordLink: Int64? = nil, feed: Version? = nil
    ) throws -> Int64 {
        try append(
            db, atMs: atMs, kind: kind, node: node, dataset: dataset, key: key, detailUTF8: Array(detail.utf8),
            recordLink: recordLink, feed: feed)
    }

    /// `append` of a detail as its builder: its bytes are hashed and stored as they are (no `String` made).
    @discardableResult
    mutating func append(
        _ db: Database, atMs: Int64, kind: String, node: String, dataset: String = "", key: String = "",
        detail: AuditDetail, recordLink: Int64? = nil, feed: Version? = nil
    ) throws -> Int64 {
        try append(
            db, atMs: atMs, kind: kind, node: node, dataset: dataset, key: key, detailUTF8: detail.jsonBytes,
            recordLink: recordLink, feed: feed)
    }

    private mutating func append(
        _ db: Database, atMs: Int64, kind: String, node: String, dataset: String, key: String, detailUTF8: [UInt8],
        recordLink: Int64?, feed: Version?
    ) throws -> Int64 {
        let seq = head.seq + 1
        let hash = AuditEntry.chainHash(
            prev: head.hash, seq: seq, atMs: atMs, kind: kind, node: node, dataset: dataset, key: key,
            detailUTF8: detailUTF8)
        let insert = try self.insert ?? BoundWrite(
            db,
            sql: """
                INSERT INTO audit(
                    seq, at_ms, kind, node, dataset, key, detail, prev_hash, hash, record_prev, feed, value)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        self.insert = insert
        try insert.execute { values in
            values.add(seq)
            values.add(atMs)
            values.add(kind)
            values.add(node)
            values.add(dataset)
            values.add(key)
            values.add(utf8Text: detailUTF8)
            values.add([UInt8]())  // no previous hash stored: it is the previous entry's (`ChainedRow`)
            values.add(hashBytes: hash)
            if let recordLink { values.add(recordLink) } else { values.addNull() }
            if let feed {
                values.add(Int64(feed.operation.rawValue))
                values.add(feed.value)
            } else {
                values.addNull()
                values.addNull()
            }
        }
        head = AuditHead(seq: seq, hash: hash)
        return seq
    }
}
