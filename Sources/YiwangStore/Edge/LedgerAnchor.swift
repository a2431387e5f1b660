import Foundation
import GRDB
import YiwangCore

/// What the pruned start of the outbox ledger covered (issue 15), as the hub's `audit_pruned_head` does for its
/// chain: the remaining ledger's first entry links to `ledger`, and the outbox walk of `verify` starts at
/// `outbox` instead of seq 0.
///
/// Kept twice: in the one-row table `outbox_ledger_anchor`, and as the chained `ledger_pruned` entry appended
/// by each ledger prune (before it deletes anything), so the anchor row cannot be edited unseen: `verify`
/// requires it to equal the newest `ledger_pruned` entry, whose hash the ledger chain checks.
struct LedgerAnchor: Hashable, Sendable {
    /// The last pruned ledger entry (seq and hash).
    var ledger: AuditHead
    /// The outbox chain's position the pruned ledger accounted for: every seq up to here is pruned, skipped or
    /// held, and the chain's hash there.
    var outbox: AuditHead
    /// The highest `ack` of the pruned part (`verify` checks prunes and the outbox's end against it).
    var ackedMax: Int64
    /// The newest `ack` of the pruned part (the next `ack` is written only when the cursor moves from it).
    var lastAck: Int64?
    /// Outbox rows still stored at or below `outbox.seq`: quarantined, requeued or dropped entries, which the
    /// prune never deletes. They are not linked to their pruned neighbours any more; their count and
    /// `heldDigest` (over each one's seq and hash, in seq order) are, so deleting, inserting or editing one
    /// still shows.
    var held: Int64
    var heldDigest: AuditHash

    static let empty = LedgerAnchor(
        ledger: .empty, outbox: .empty, ackedMax: 0, lastAck: nil, held: 0, heldDigest: .genesis)

    /// Adds a held outbox row to the digest (rows are added in seq order).
    mutating func hold(seq: Int64, hash: AuditHash) {
        var bytes = heldDigest.bytes
        withUnsafeBytes(of: seq.bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: hash.bytes)
        heldDigest = AuditHash.of(bytes)
        held = held.saturatingAdd(1)
    }

    /// The `ledger_pruned` entry's detail (hashed: fixed key order).
    var detail: String {
        var detail = AuditDetail()
        detail.add("ledger_through", ledger.seq)
        detail.add("ledger_hash", hash: ledger.hash)
        detail.add("outbox_through", outbox.seq)
        detail.add("outbox_hash", hash: outbox.hash)
        detail.add("acked", ackedMax)
        if let lastAck { detail.add("last_ack", lastAck) }
        detail.add("held", held)
        detail.add("held_digest", hash: heldDigest)
        return detail.json
    }

    /// A `ledger_pruned` entry's detail read back; nil if it is not one.
    init?(detail text: String) {
        guard let read = AuditDetailReader.decode(Stored.self, from: text),
            let ledgerHash = AuditHash(hex: read.ledgerHash), let outboxHash = AuditHash(hex: read.outboxHash),
            let digest = AuditHash(hex: read.heldDigest)
        else { return nil }
        self.init(
            ledger: AuditHead(seq: read.ledgerThrough, hash: ledgerHash),
            outbox: AuditHead(seq: read.outboxThrough, hash: outboxHash), ackedMax: read.acked,
            lastAck: read.lastAck, held: read.held, heldDigest: digest)
    }

    init(
        ledger: AuditHead, outbox: AuditHead, ackedMax: Int64, lastAck: Int64?, held: Int64, heldDigest: AuditHash
    ) {
        self.ledger = ledger
        self.outbox = outbox
        self.ackedMax = ackedMax
        self.lastAck = lastAck
        self.held = held
        self.heldDigest = heldDigest
    }

    private struct Stored: Decodable {
        var ledgerThrough: Int64
        var ledgerHash: String
        var outboxThrough: Int64
        var outboxHash: String
        var acked: Int64
        var lastAck: Int64?
        var held: Int64
        var heldDigest: String

        enum CodingKeys: String, CodingKey {
            case ledgerThrough = "ledger_through", ledgerHash = "ledger_hash", outboxThrough = "outbox_through"
            case outboxHash = "outbox_hash", acked, lastAck = "last_ack", held, heldDigest = "held_digest"
        }
    }
}

/// The one-row table holding the anchor (`LedgerAnchor`); no row: nothing was pruned.
enum LedgerAnchorTable {
    static func createTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE outbox_ledger_anchor(
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    ledger_seq INTEGER NOT NULL,      -- the last pruned ledger entry
                    ledger_hash TEXT NOT NULL,
                    outbox_seq INTEGER NOT NULL,      -- the outbox chain position it accounted for
                    outbox_hash TEXT NOT NULL,
                    acked_max INTEGER NOT NULL,
                    last_ack INTEGER,
                    held INTEGER NOT NULL,            -- rows still stored at or below outbox_seq
                    held_digest TEXT NOT NULL
                )
                """)
    }

    /// The stored anchor (`.empty` without a row or a table). An edited value (text, NULL) reads as -1 or the
    /// zero-length hash, never a trap: it then differs from the chained `ledger_pruned` entry and verify says so.
    static func load(_ db: Database) throws -> LedgerAnchor {
        guard try db.tableExists("outbox_ledger_anchor"),
            let row = try Row.fetchOne(db, sql: "SELECT * FROM outbox_ledger_anchor WHERE id = 1")
        else { return .empty }
        func int(_ column: String) -> Int64 { Int64.fromDatabaseValue(row[column] as DatabaseValue) ?? -1 }
        return LedgerAnchor(
            ledger: AuditHead(seq: int("ledger_seq"), hash: ChainedRow.hash(row, "ledger_hash")),
            outbox: AuditHead(seq: int("outbox_seq"), hash: ChainedRow.hash(row, "outbox_hash")),
            ackedMax: int("acked_max"), lastAck: Int64.fromDatabaseValue(row["last_ack"] as DatabaseValue),
            held: int("held"), heldDigest: ChainedRow.hash(row, "held_digest"))
    }

    static func save(_ db: Database, _ anchor: LedgerAnchor) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO outbox_ledger_anchor(
                    id, ledger_seq, ledger_hash, outbox_seq, outbox_hash, acked_max, last_ack, held, held_digest)
                VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                anchor.ledger.seq, anchor.ledger.hash.hex, anchor.outbox.seq, anchor.outbox.hash.hex, anchor.ackedMax,
                anchor.lastAck, anchor.held, anchor.heldDigest.hex,
            ])
    }
}
