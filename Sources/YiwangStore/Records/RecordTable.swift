import Foundation
import GRDB
import YiwangCore

/// The `records` table shared by the edge and the hub: one row per record, holding the joined vector and
/// the preferred visible version in columns (readable with the sqlite3 shell), and any further visible
/// sibling versions in a binary column. Every replica merges through `merge`, so all apply the same rules.
public enum RecordTable {
    public static func createTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE records(
                    dataset TEXT NOT NULL,
                    key TEXT NOT NULL,
                    vector TEXT NOT NULL,          -- join of every version seen
                    winner_vector TEXT NOT NULL,   -- the preferred visible version:
                    hlc INTEGER NOT NULL,
                    origin TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    op INTEGER NOT NULL,           -- 1 put, 2 delete (tombstone)
                    value TEXT,                    -- JSON object text; NULL for a tombstone
                    siblings BLOB,                 -- further visible versions (policy siblings), or NULL
                    PRIMARY KEY(dataset, key)
                ) WITHOUT ROWID
                """)
    }

    public static func load(_ db: Database, dataset: String, key: String) throws -> RecordState? {
        let statement = try db.cachedStatement(
            sql: "SELECT \(stateColumns) FROM records WHERE dataset = ? AND key = ?")
        guard let row = try Row.fetchOne(statement, arguments: [dataset, key]) else { return nil }
        return try state(from: row, dataset: dataset, key: key)
    }

    /// The columns `state(from:)` reads; a query may select more (`key`, `last_audit`, ...).
    static let stateColumns = "vector, winner_vector, hlc, origin, actor, op, value, siblings"

    /// A record's state from a row holding `stateColumns`, read by name.
    static func state(from row: Row, dataset: String, key: String) throws -> RecordState {
        let winner = try StoredVersion.version(from: row, dataset: dataset, key: key, vectorColumn: "winner_vector")
        var visible = [winner]
        if let siblings = row["siblings"] as Data? { visible += try VersionListCodec.decode([UInt8](siblings)) }
        return RecordState(vector: try VersionVector(parsing: row["vector"]), visible: visible)
    }

    /// Stores a record's state. `auditLink` (the hub only, whose `records` has the column) is the seq of the
    /// record's newest audit entry, the head of its back-linked history (`AuditTable.recordHistory`).
    public static func store(
        _ db: Database, dataset: String, key: String, state: RecordState, auditLink: Int64? = nil
    ) throws {
        let write = try auditLink == nil ? BoundWrite(db, sql: upsert) : linkedWrite(db)
        try store(write, dataset: dataset, key: key, state: state, auditLink: auditLink)
    }

    /// The hub's upsert with `last_audit`, for `store(_:dataset:key:state:auditLink:)`: a batch prepares it once
    /// rather than looking its SQL up in the statement cache for each change.
    static func linkedWrite(_ db: Database) throws -> BoundWrite {
        try BoundWrite(db, sql: linkedUpsert)
    }

    /// Stores a record's state through `write`, the upsert with `last_audit` when `auditLink` is given (then
    /// `linkedWrite`), the plain one otherwise.
    static func store(_ write: BoundWrite, dataset: String, key: String, state: RecordState, auditLink: Int64?)
        throws
    {
        let winner = state.winner
        let siblings = state.visible.count > 1 ? VersionListCodec.encode(Array(state.visible.dropFirst())) : nil
        try write.execute { values in
            values.add(dataset)
            values.add(key)
            values.add(vector: state.vector)
            values.add(vector: winner.vector)
            values.add(winner.hlc.packed)
            values.add(winner.origin)
            values.add(winner.actor)
            values.add(Int64(winner.operation.rawValue))
            values.add(winner.value)
            values.add(siblings)
            if let auditLink { values.add(auditLink) }
        }
    }

    private static let upsert = """
        INSERT OR REPLACE INTO records(dataset, key, vector, winner_vector, hlc, origin, actor, op, value, siblings)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    private static let linkedUpsert = """
        INSERT OR REPLACE INTO records(dataset, key, vector, winner_vector, hlc, origin, actor, op, value, siblings,
                                       last_audit)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Merges `version` into the stored state by the core's rules and stores the result.
    @discardableResult
    public static func merge(_ db: Database, _ version: Version, policy: MergePolicy) throws -> MergeOutcome {
        try merge(db, version, into: try load(db, dataset: version.dataset, key: version.key), policy: policy)
    }

    /// Merges `version` into `current`, the record's state the caller has just loaded in this same transaction
    /// (so a local write, which reads the state to build its vector, does not load it twice).
    @discardableResult
    public static func merge(_ db: Database, _ version: Version, into current: RecordState?, policy: MergePolicy)
        throws -> MergeOutcome
    {
        let outcome = Merge.merge(version, into: current, policy: policy)
        if let state = outcome.newState {
            try store(db, dataset: version.dataset, key: version.key, state: state)
        }
        return outcome
    }

    /// The order-independent digest of a dataset's stored state.
    public static func digest(_ db: Database, dataset: String) throws -> DatasetDigest {
        var digest = DatasetDigest()
        let rows = try Row.fetchCursor(
            db,
            sql: "SELECT \(stateColumns), key FROM records WHERE dataset = ?", arguments: [dataset])
        while let row = try rows.next() {
            let key: String = row["key"]
            digest.add(key: key, state: try state(from: row, dataset: dataset, key: key))
        }
        return digest
    }
}
