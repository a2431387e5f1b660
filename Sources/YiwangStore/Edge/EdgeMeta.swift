import GRDB

/// The edge's small key/value table of sync cursors: highest sequence, acknowledged-through, last HLC,
/// last successful sync and last uplink error.
enum EdgeMeta {
    static let highestSeq = "highest_seq"
    /// This node's position in an upstream relay's replica feed, per upstream id.
    static func replicaCursor(_ upstream: String) -> String { "replica_cursor:" + upstream }
    static let ackedThrough = "acked_through"
    /// What the province holds of this node's outbox (a relaying city's `heldThrough`; else `acked_through`).
    static let heldThrough = "held_through"
    static let lastHLC = "last_hlc"
    static let lastSyncMs = "last_sync_ms"
    static let lastError = "last_error"
    /// The hub-referenced clock (`ClockReference`): skew, anchor and the boot the anchor was measured in.
    static let clockSkewMs = "clock_skew_ms"
    static let clockAnchorMs = "clock_anchor_ms"
    static let clockBootID = "clock_boot_id"
    /// The province's grants for this node (`NodeGrants` as JSON) and when they arrived.
    static let provinceGrants = "province_grants"
    static let provinceGrantsAtMs = "province_grants_at_ms"

    static func createTable(_ db: Database) throws {
        try db.execute(sql: "CREATE TABLE meta(name TEXT PRIMARY KEY NOT NULL, value) WITHOUT ROWID")
    }

    static func int(_ db: Database, _ name: String) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE name = ?"), arguments: [name])
    }

    static func text(_ db: Database, _ name: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE name = ?"), arguments: [name])
    }

    static func set(_ db: Database, _ name: String, _ value: (any DatabaseValueConvertible)?) throws {
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO meta(name, value) VALUES (?, ?)")
            .execute(arguments: [name, value])
    }
}
