import GRDB
import YiwangCore

/// The downlink's position in one upstream's feed, as kept while the node pulls from another (each upstream
/// numbers its feed its own way: a city's feed is not the province's).
public struct ParkedPosition: Sendable, Hashable {
    /// The upstream's id (`X-Yiwang-Upstream`, or `UpstreamAnswer.legacyID`).
    public var upstream: String
    /// Its feed sequence applied through (0 with `snapshotDone` false: a snapshot is still to do).
    public var cursor: Int64
    public var snapshotDone: Bool
    /// The snapshot that was in progress when the node moved away, if any (resumed when it comes back).
    public var snapshot: SnapshotProgress?
    /// When the node moved away from it (node clock, ms).
    public var parkedAtMs: Int64
}

/// What `useDownlinkPosition` did.
public enum DownlinkPositionChange: Sendable, Hashable {
    /// The position in use already was this upstream's.
    case unchanged
    /// The position in use had no owner (a node older than per-upstream positions, or a new one): it is
    /// now this upstream's, the first that answered.
    case claimed(cursor: Int64)
    /// This upstream's own position, kept since the node last pulled from it, is in use again.
    case resumed(cursor: Int64)
    /// The node never pulled from this upstream: it starts from a snapshot of it.
    case fresh
}

/// Per-upstream downlink positions. The position in use lives where it always has (the `meta` keys the
/// downlink, the snapshot and a resync read and move in their own transactions), with `downlink_upstream`
/// naming its upstream; the positions of the other upstreams are parked in `upstream_positions`, one row
/// each. Moving to another upstream (`useDownlinkPosition`) parks the position in use under its owner and
/// takes the new upstream's out, in one transaction, so an id has one position at any time and a page is
/// only ever applied to the position of the upstream that served it (`applyDownlink(upstream:)`).
enum UpstreamPositionTable {
    /// The `meta` keys that make up the position in use, copied to and from a parked row as they are.
    static let positionKeys: [(meta: String, column: String)] = [
        (EdgeMeta.downlinkCursor, "cursor"), (EdgeMeta.downlinkHead, "head"), (EdgeMeta.snapshotDone, "snapshot_done"),
        (EdgeMeta.snapshotPosition, "snapshot_position"), (EdgeMeta.snapshotNext, "snapshot_next"),
        (EdgeMeta.snapshotRecords, "snapshot_records"), (EdgeMeta.snapshotPages, "snapshot_pages"),
    ]

    static func createTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE upstream_positions(
                    upstream TEXT PRIMARY KEY NOT NULL, cursor INTEGER, head INTEGER, snapshot_done INTEGER,
                    snapshot_position INTEGER, snapshot_next TEXT, snapshot_records INTEGER, snapshot_pages INTEGER,
                    parked_ms INTEGER NOT NULL
                ) WITHOUT ROWID
                """)
    }

    static func park(_ db: Database, owner: String, nowMs: Int64) throws {
        var values: [DatabaseValue] = [owner.databaseValue]
        for key in positionKeys {
            values.append(
                try DatabaseValue.fetchOne(db, sql: "SELECT value FROM meta WHERE name = ?", arguments: [key.meta])
                    ?? .null)
        }
        values.append(nowMs.databaseValue)
        let columns = ["upstream"] + positionKeys.map(\.column) + ["parked_ms"]
        try db.execute(
            sql: "INSERT OR REPLACE INTO upstream_positions(\(columns.joined(separator: ", "))) VALUES "
                + "(\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))",
            arguments: StatementArguments(values))
    }

    /// Takes `upstream`'s parked position out into `meta` (true), or clears `meta`'s position (false: none).
    static func unpark(_ db: Database, upstream: String) throws -> Bool {
        let row = try Row.fetchOne(db, sql: "SELECT * FROM upstream_positions WHERE upstream = ?", arguments: [upstream])
        for key in positionKeys {
            try EdgeMeta.set(db, key.meta, row.map { $0[key.column] as DatabaseValue } ?? .null)
        }
        try db.execute(sql: "DELETE FROM upstream_positions WHERE upstream = ?", arguments: [upstream])
        return row != nil
    }

    static func all(_ db: Database) throws -> [ParkedPosition] {
        try Row.fetchAll(db, sql: "SELECT * FROM upstream_positions ORDER BY upstream").map { row in
            let next = (row["snapshot_next"] as String?).flatMap { try? SnapshotToken(parsing: Substring($0)) }
            let position: Int64? = row["snapshot_position"]
            let snapshot = zip(position, next).map { position, next in
                SnapshotProgress(position: position, next: next, records: max(0, row["snapshot_records"] ?? 0))
            }
            return ParkedPosition(
                upstream: row["upstream"], cursor: max(0, row["cursor"] ?? 0),
                snapshotDone: (row["snapshot_done"] as Int64? ?? 0) != 0, snapshot: snapshot,
                parkedAtMs: row["parked_ms"])
        }
    }
}

private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}

extension EdgeMeta {
    /// The upstream whose feed the downlink position in `meta` counts in; absent before the first answer.
    static let downlinkUpstream = "downlink_upstream"
}

extension EdgeStore {
    /// Makes `upstream`'s position the one in use, in one transaction: the position in use is parked under
    /// its owner (a position without one, from before per-upstream positions, is claimed by `upstream`, the
    /// first that answers), and `upstream`'s own is taken out, or, if the node never pulled from it, the
    /// position is cleared so the downlink starts with a snapshot of it: never a cursor of another's feed.
    public func useDownlinkPosition(of upstream: String) async throws(YiwangError) -> DownlinkPositionChange {
        let nowMs = wallClock.nowMs()
        return try await write { db in
            let cursor = { () throws -> Int64 in max(0, try EdgeMeta.int(db, EdgeMeta.downlinkCursor) ?? 0) }
            guard let owner = try EdgeMeta.text(db, EdgeMeta.downlinkUpstream) else {
                // Nothing parked can exist without an owner; a stray row of this id would be older than meta's.
                try db.execute(sql: "DELETE FROM upstream_positions WHERE upstream = ?", arguments: [upstream])
                try EdgeMeta.set(db, EdgeMeta.downlinkUpstream, upstream)
                return .claimed(cursor: try cursor())
            }
            guard Array(owner.utf8) != Array(upstream.utf8) else { return .unchanged }
            try UpstreamPositionTable.park(db, owner: owner, nowMs: nowMs)
            let resumed = try UpstreamPositionTable.unpark(db, upstream: upstream)
            try EdgeMeta.set(db, EdgeMeta.downlinkUpstream, upstream)
            return resumed ? .resumed(cursor: try cursor()) : .fresh
        }
    }

    /// The upstream the downlink position in use belongs to; nil before the first answer.
    public func downlinkUpstream() async throws(YiwangError) -> String? {
        try await read { db in try EdgeMeta.text(db, EdgeMeta.downlinkUpstream) }
    }

    /// The positions kept for the upstreams not in use, by id.
    public func parkedPositions() async throws(YiwangError) -> [ParkedPosition] {
        try await read { db in try UpstreamPositionTable.all(db) }
    }

    static func positionBelongs(_ db: Database, to upstream: String?) throws -> Bool {
        guard let upstream else { return true }
        return try EdgeMeta.text(db, EdgeMeta.downlinkUpstream).map { Array($0.utf8) == Array(upstream.utf8) } ?? false
    }
}
