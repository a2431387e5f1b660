import GRDB
import YiwangCore

/// A change the hub refused, as recorded.
public struct RejectedChange: Sendable, Hashable {
    public var node: String
    public var seq: UInt64
    public var code: String
    public var message: String
    public var atMs: Int64
}

extension HubStore {
    /// Every node the hub has heard from (or recorded a rejection for), by id.
    public func nodes() async throws -> [String: HubNodeRecord] {
        let records = try await pool.read { db in
            let held = try HeldChangeTable.summary(db)
            return try HubNodeRecord.fetchAll(db).map { record in
                var record = record
                if let figures = held[record.id] {
                    record.heldChanges = figures.count
                    record.oldestHeldMs = figures.oldestMs
                }
                return record
            }
        }
        // Rows are keyed by bytes, a Swift dictionary by canonical equivalence: two such ids must not trap.
        return Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// One node's stored state, or nil if the hub never heard from it.
    public func node(_ id: String) async throws -> HubNodeRecord? {
        try await pool.read { db in
            guard var record = try HubNodeRecord.fetch(db, id: id) else { return nil }
            let usage = try HeldChangeTable.usage(db, node: id)
            record.heldChanges = UInt64(max(0, usage.count))
            record.oldestHeldMs = try Int64.fetchOne(
                db, sql: "SELECT MIN(data_ms) FROM held_changes WHERE node = ?", arguments: [id])
            return record
        }
    }

    /// The merged state of a record, or nil if the hub holds none.
    public func record(dataset: String, key: String) async throws -> RecordState? {
        try await pool.read { db in try RecordTable.load(db, dataset: dataset, key: key) }
    }

    /// The order-independent digest of a dataset's state, as every replica computes it.
    public func digest(dataset: String) async throws -> DatasetDigest {
        try await pool.read { db in try RecordTable.digest(db, dataset: dataset) }
    }

    /// Conflicts, newest first, optionally for one dataset and key.
    public func conflicts(dataset: String?, key: String?, limit: Int) async throws -> [StoredConflict] {
        try await pool.read { db in try ConflictTable.list(db, dataset: dataset, key: key, limit: limit) }
    }

    /// One page of conflicts newest first (ids below `before`), bounded in count and in bytes.
    public func conflictPage(
        dataset: String?, key: String?, limit: Int, before: Int64?, maxBytes: Int = ConflictTable.maxPageBytes
    ) async throws -> ConflictPage {
        try await pool.read { db in
            try ConflictTable.page(db, dataset: dataset, key: key, limit: limit, before: before, maxBytes: maxBytes)
        }
    }

    /// Refused changes, newest first, optionally for one node.
    public func rejectedChanges(node: String?, limit: Int = 100) async throws -> [RejectedChange] {
        try await pool.read { db in
            var sql = "SELECT node, seq, code, message, at_ms FROM rejected_changes"
            var arguments: StatementArguments = []
            if let node {
                sql += " WHERE node = ?"
                arguments = [node]
            }
            sql += " ORDER BY id DESC LIMIT \(max(1, min(limit, 10_000)))"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                RejectedChange(
                    node: row["node"], seq: UInt64(max(0, row["seq"] as Int64)), code: row["code"],
                    message: row["message"], atMs: row["at_ms"])
            }
        }
    }

    /// Closes the database (after the last request has finished).
    public func close() throws {
        try pool.close()
    }
}

extension HubStore {
    /// True when the database answers a read (for the systemd watchdog and `/healthz`).
    public func isHealthy() async throws -> Bool {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") == 1 }
    }
}
