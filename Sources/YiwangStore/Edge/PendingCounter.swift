import GRDB

/// The number of outbox entries with status `pending`, kept in `meta` and moved by exactly the rows each
/// statement changes, so the uplink's report costs no `COUNT(*)` over a million-entry backlog.
enum PendingCounter {
    static let key = "pending_count"

    /// Sets the counter from the table if it is not there yet (a store created before the counter existed).
    static func ensure(_ db: Database) throws {
        guard try EdgeMeta.int(db, key) == nil else { return }
        let count = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE status = 'pending'") ?? 0
        try EdgeMeta.set(db, key, count)
    }

    static func get(_ db: Database) throws -> UInt64 {
        if let count = try EdgeMeta.int(db, key) { return UInt64(max(0, count)) }
        return UInt64(try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE status = 'pending'") ?? 0)
    }

    static func add(_ db: Database, _ delta: Int) throws {
        guard delta != 0 else { return }
        let count = try EdgeMeta.int(db, key) ?? 0
        try EdgeMeta.set(db, key, max(0, count + Int64(delta)))
    }
}
