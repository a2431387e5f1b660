import GRDB
import YiwangCore

/// The sync protocol version each node last sent a batch in, as the batch's magic proves it (never the
/// `X-Yiwang-Protocol` header, a claim), and since when: an operator follows a rollout by it.
enum NodeProtocolTable {
    static func createTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE node_protocols(
                    node TEXT PRIMARY KEY NOT NULL,
                    version INTEGER NOT NULL,     -- ProtocolVersion of the node's last applied batch
                    since_ms INTEGER NOT NULL     -- hub clock: its first batch in this version
                ) WITHOUT ROWID;
                """)
    }

    /// Sets `node`'s version; `since_ms` moves only when the version changes.
    static func record(_ db: Database, node: String, version: ProtocolVersion, nowMs: Int64) throws {
        try db.execute(
            sql: """
                INSERT INTO node_protocols(node, version, since_ms) VALUES (?, ?, ?)
                ON CONFLICT(node) DO UPDATE SET version = excluded.version, since_ms = excluded.since_ms
                WHERE version IS NOT excluded.version
                """,
            arguments: [node, Int64(version.rawValue), nowMs])
    }

    static func fetchAll(_ db: Database) throws -> [String: NodeProtocolRecord] {
        let rows = try Row.fetchAll(db, sql: "SELECT node, version, since_ms FROM node_protocols")
        return Dictionary(
            rows.compactMap { row -> (String, NodeProtocolRecord)? in
                guard let node = String.fromDatabaseValue(row["node"] as DatabaseValue) else { return nil }
                return (node, NodeProtocolRecord(row: row))
            },
            uniquingKeysWith: { first, _ in first })  // never trap on two canonically equivalent ids
    }
}

/// A node's protocol version as the hub stored it.
public struct NodeProtocolRecord: Sendable, Hashable {
    /// The version number (1...255); a stored value out of that range (a row edited by hand) reads as 0.
    public var version: UInt8
    /// When the hub first saw the node in this version (hub clock), clamped into `Millis.wallRange`.
    public var sinceMs: Int64?

    public init(version: UInt8, sinceMs: Int64?) {
        self.version = version
        self.sinceMs = sinceMs
    }

    init(row: Row) {
        let stored = Int64.fromDatabaseValue(row["version"] as DatabaseValue) ?? 0
        version = UInt8(exactly: stored) ?? 0
        sinceMs = Millis.clampWall(Int64.fromDatabaseValue(row["since_ms"] as DatabaseValue))
    }
}

extension HubStore {
    /// Records the protocol version of a batch from `node` the hub decoded and applied.
    public func recordProtocol(node: String, version: ProtocolVersion, nowMs: Int64) async throws {
        try await pool.write { db in try NodeProtocolTable.record(db, node: node, version: version, nowMs: nowMs) }
    }

    /// Every node's last protocol version, by node id.
    public func nodeProtocols() async throws -> [String: NodeProtocolRecord] {
        try await pool.read { db in try NodeProtocolTable.fetchAll(db) }
    }
}
