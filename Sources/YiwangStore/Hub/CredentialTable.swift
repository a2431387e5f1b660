import GRDB
import YiwangCore

/// A credential as the hub stores it: never the token, only its SHA-256.
public struct Credential: Sendable, Hashable, Codable {
    public var id: Int64
    /// The node id (role `node`) or the operator's name.
    public var name: String
    public var role: CredentialToken.Role
    public var createdAtMs: Int64
    /// When it stops being accepted (revoked, or the end of a rotation's grace period); nil while valid.
    public var revokedAtMs: Int64?

    /// True when the credential is accepted at `nowMs`.
    public func isValid(atMs nowMs: Int64) -> Bool { revokedAtMs.map { nowMs < $0 } ?? true }
}

/// The `credentials` table of `hub.sqlite`.
enum CredentialTable {
    static func createTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE credentials(
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL,                -- node id or operator name
                    role TEXT NOT NULL,                -- node | reader | admin
                    hash TEXT NOT NULL UNIQUE,         -- hex SHA-256 of the token; the token is never stored
                    created_at_ms INTEGER NOT NULL,
                    revoked_at_ms INTEGER              -- not accepted from this time on (NULL: valid)
                );
                CREATE INDEX credentials_by_name ON credentials(name);
                """)
    }

    static let columns = "id, name, role, created_at_ms, revoked_at_ms"

    static func credential(from row: Row) -> Credential {
        Credential(
            id: row["id"], name: row["name"], role: CredentialToken.Role(rawValue: row["role"]) ?? .reader,
            createdAtMs: row["created_at_ms"], revokedAtMs: row["revoked_at_ms"])
    }

    static func find(_ db: Database, hash: String) throws -> Credential? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT \(columns) FROM credentials WHERE hash = ?"), arguments: [hash]
        ).map(credential(from:))
    }

    static func insert(_ db: Database, name: String, role: CredentialToken.Role, hash: String, nowMs: Int64) throws {
        try db.execute(
            sql: "INSERT INTO credentials(name, role, hash, created_at_ms) VALUES (?, ?, ?, ?)",
            arguments: [name, role.rawValue, hash, nowMs])
    }

    static func all(_ db: Database) throws -> [Credential] {
        try Row.fetchAll(db, sql: "SELECT \(columns) FROM credentials ORDER BY name, id").map(credential(from:))
    }

    /// Sets the end of validity of `name`'s credentials still valid after `atMs`; returns how many.
    static func expire(_ db: Database, name: String, atMs: Int64) throws -> Int {
        try db.execute(
            sql: "UPDATE credentials SET revoked_at_ms = ? WHERE name = ? AND (revoked_at_ms IS NULL OR revoked_at_ms > ?)",
            arguments: [atMs, name, atMs])
        return db.changesCount
    }

    static func activeCount(_ db: Database, nowMs: Int64) throws -> Int {
        try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM credentials WHERE revoked_at_ms IS NULL OR revoked_at_ms > ?",
            arguments: [nowMs]) ?? 0
    }
}
