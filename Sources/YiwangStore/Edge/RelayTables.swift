import Foundation
import GRDB
import YiwangCore

/// A relaying city's tables in `edge.sqlite` (issue 16, "Up"):
///
/// - `relay_origins`: per county (origin) the highest sequence the city holds (`high_water`, "relayed"), the
///   highest the province holds (`held_through`), the county's last report as it sent it, and when the city
///   received it (the city's clock);
/// - `relay_outbox`: the counties' entries keyed (origin, seq), with everything the hub needs to apply them
///   unchanged: vector, HLC, actor, op, value and the change's signature bytes (NULL until changes carry
///   one). `kind` is `change`, `refused` (the city refused it; relayed for the hub to judge and record its own
///   refusal; `reason` says why) or `skip` (the county's skip mark; `reason` is its reason). Rows are deleted
///   once the province holds them (`EdgeStore.relayProvinceHolds`).
///
/// Nothing here goes to the city's own `outbox`, which holds only the city's own writes.
enum RelayTables {
    static func createTables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE relay_origins(
                    origin TEXT PRIMARY KEY NOT NULL,
                    high_water INTEGER NOT NULL,       -- highest seq the city holds ("relayed")
                    held_through INTEGER NOT NULL,     -- highest seq the province holds, as last heard
                    report_backlog INTEGER,            -- the county's last report, as it sent it:
                    report_oldest_pending_ms INTEGER,
                    report_oldest_after_batch_ms INTEGER,
                    report_clock_ms INTEGER,
                    report_hlc INTEGER,
                    report_quarantined INTEGER,
                    report_oldest_quarantined_ms INTEGER,
                    report_clock_skew_ms INTEGER,
                    report_first_seq INTEGER,          -- the first seq of the batch that carried it
                    received_at_ms INTEGER             -- when the city received that report (city clock)
                ) WITHOUT ROWID;
                CREATE TABLE relay_outbox(
                    origin TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    kind TEXT NOT NULL,                -- change | refused | skip
                    dataset TEXT,
                    key TEXT,
                    vector TEXT,
                    hlc INTEGER,
                    actor TEXT,
                    op INTEGER,                        -- 1 put, 2 delete
                    value TEXT,
                    signature BLOB,                    -- the origin's signature of the change, if it carries one
                    reason TEXT,                       -- refused: the city's reason; skip: the county's
                    received_at_ms INTEGER NOT NULL,
                    PRIMARY KEY(origin, seq)
                ) WITHOUT ROWID;
                """)
    }

    static func origin(_ db: Database, _ origin: String) throws -> RelayOrigin {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT high_water, held_through FROM relay_origins WHERE origin = ?"),
                arguments: [origin])
        else { return RelayOrigin() }
        // Stored rows are clamped, never trusted to be in range.
        return RelayOrigin(
            highWater: UInt64(clamping: max(0, row["high_water"] as Int64)),
            heldThrough: UInt64(clamping: max(0, row["held_through"] as Int64)))
    }

    static func storePosition(_ db: Database, _ origin: String, _ position: RelayOrigin) throws {
        try db.execute(
            sql: """
                INSERT INTO relay_origins(origin, high_water, held_through) VALUES (?, ?, ?)
                ON CONFLICT(origin) DO UPDATE SET high_water = excluded.high_water, held_through = excluded.held_through
                """,
            arguments: [origin, Int64(clamping: position.highWater), Int64(clamping: position.heldThrough)])
    }

    static func storeReport(_ db: Database, _ origin: String, _ report: NodeReport, firstSeq: UInt64, atMs: Int64)
        throws
    {
        try db.execute(
            sql: """
                UPDATE relay_origins SET report_backlog = ?, report_oldest_pending_ms = ?,
                    report_oldest_after_batch_ms = ?, report_clock_ms = ?, report_hlc = ?, report_quarantined = ?,
                    report_oldest_quarantined_ms = ?, report_clock_skew_ms = ?, report_first_seq = ?,
                    received_at_ms = ?
                WHERE origin = ?
                """,
            arguments: [
                Int64(clamping: report.backlog), report.oldestPendingMs, report.oldestAfterBatchMs, report.clockMs,
                report.hlc.packed, Int64(clamping: report.quarantined), report.oldestQuarantinedMs,
                report.clockSkewMs, Int64(clamping: firstSeq), atMs, origin,
            ])
    }

    /// The stored report of a row of `relay_origins`, clamped into the ranges the wire allows; nil before one.
    static func report(from row: Row) -> NodeReport? {
        guard let clockMs = row["report_clock_ms"] as Int64? else { return nil }
        let clampWall = { (ms: Int64?) in Millis.clampWall(ms) }
        return NodeReport(
            backlog: UInt64(clamping: max(0, row["report_backlog"] as Int64? ?? 0)),
            oldestPendingMs: clampWall(row["report_oldest_pending_ms"]),
            oldestAfterBatchMs: clampWall(row["report_oldest_after_batch_ms"]),
            clockMs: Millis.clampWall(clockMs) ?? 0,
            hlc: HLCTimestamp(packed: max(0, row["report_hlc"] as Int64? ?? 0)),
            quarantined: UInt64(clamping: max(0, row["report_quarantined"] as Int64? ?? 0)),
            oldestQuarantinedMs: clampWall(row["report_oldest_quarantined_ms"]),
            clockSkewMs: (row["report_clock_skew_ms"] as Int64?).map(Millis.clampSpan))
    }

    static func insert(_ db: Database, origin: String, _ entry: RelayEntry, atMs: Int64) throws {
        let seq: UInt64
        var kind = "change"
        var version: Version?
        var reason: String?
        switch entry {
        case .change(let change):
            seq = change.seq
            version = change.version
        case .refused(let change, let error):
            // Forwarded as a skip mark, never as content: what the city refused may name another origin, or hold
            // bytes the columns cannot keep exactly, and relaying it re-labelled as the county's would let a
            // county write through its city what the hub would refuse from it. The hub records the refusal and
            // its high water passes the sequence, as the county's quarantine of it expects.
            seq = change.seq
            kind = "skip"
            reason = "refused by the relay: \(error.code.rawValue): \(error.message)"
        case .skip(let skipped, let why):
            seq = skipped
            kind = "skip"
            reason = why
        }
        try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO relay_outbox(origin, seq, kind, dataset, key, vector, hlc, actor, op, value,
                    signature, reason, received_at_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)
                """
        ).execute(arguments: [
            origin, Int64(clamping: seq), kind, version?.dataset, version?.key, version?.vector.description,
            version?.hlc.packed, version?.actor, version.map { Int64($0.operation.rawValue) }, version?.value,
            reason, atMs,
        ])
    }

    /// The stored versions of `origin` at `seqs` (a batch's resent sequences still held), by sequence.
    static func versions(_ db: Database, origin: String, seqs: ClosedRange<UInt64>) throws -> [UInt64: Version] {
        var found: [UInt64: Version] = [:]
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT seq, dataset, key, vector, hlc, actor, op, value FROM relay_outbox
                    WHERE origin = ? AND seq BETWEEN ? AND ? AND kind != 'skip'
                    """),
            arguments: [origin, Int64(clamping: seqs.lowerBound), Int64(clamping: seqs.upperBound)])
        while let row = try rows.next() {
            found[UInt64(clamping: max(0, row["seq"] as Int64))] = try version(from: row, origin: origin)
        }
        return found
    }

    static func version(from row: Row, origin: String) throws -> Version {
        Version(
            dataset: row["dataset"] ?? "", key: row["key"] ?? "", vector: try VersionVector(parsing: row["vector"] ?? ""),
            hlc: HLCTimestamp(packed: max(0, row["hlc"] as Int64? ?? 0)), origin: origin, actor: row["actor"] ?? "",
            operation: StoredVersion.operation(row["op"] ?? 1), value: row["value"])
    }
}
