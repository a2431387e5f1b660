import GRDB
import YiwangCore

/// What the hub has stored about one node: its sync position, its last report and its counters.
/// Times are hub-clock milliseconds.
public struct HubNodeRecord: Sendable, Hashable {
    public var id: String
    /// The highest sequence the hub holds for the node (applied, duplicate or refused and recorded).
    public var highWater: UInt64 = 0
    /// When the hub last heard from the node; nil if never.
    public var lastContactMs: Int64?
    /// The time up to which the hub is known to hold all the node's changes; nil if unknown.
    public var dataAsOfMs: Int64?
    /// Outbox entries still pending at the node after its last batch.
    public var backlog: UInt64 = 0
    /// The commit time of the node's oldest still-pending entry; nil when nothing is pending.
    public var oldestPendingMs: Int64?
    /// The node's clock minus the hub's, at its last contact.
    public var clockOffsetMs: Int64 = 0
    public var changesApplied: UInt64 = 0
    public var conflicts: UInt64 = 0
    public var rejectedBatches: UInt64 = 0
    public var rejectedChanges: UInt64 = 0
    /// The last rejection (code and message), never carrying record values.
    public var lastError: String?
    public var lastErrorAtMs: Int64?
    /// Changes of this node held back (their vectors count another node beyond what the hub holds of it):
    /// the hub does not hold them as merged. Read from `held_changes`, not a column of `nodes`.
    public var heldChanges: UInt64 = 0
    /// The data time (hub clock) of the oldest held change; nil when none is held. Data age starts here at most.
    public var oldestHeldMs: Int64?
    /// Changes the hub refused that the node holds quarantined, from its last report: the hub lacks them.
    public var quarantined: UInt64 = 0
    /// Commit time (hub clock) of the node's oldest quarantined change; nil if none.
    public var oldestQuarantinedMs: Int64?

    public init(id: String) { self.id = id }

    static let columns = """
        id, high_water, last_contact_ms, data_as_of_ms, backlog, oldest_pending_ms, clock_offset_ms, \
        changes_applied, conflicts, rejected_batches, rejected_changes, last_error, last_error_at_ms, \
        quarantined, oldest_quarantined_ms
        """

    /// Reads a stored row, clamping every number into its range (times into `Millis.wallRange`, the clock
    /// offset into `±Millis.maxWallMs`, counts to >= 0): a row written with an extreme value by an older
    /// version, or edited by hand, must not make the report or `/metrics` trap. A value that is not an
    /// integer at all reads as absent (or 0).
    init(row: Row) {
        func int(_ column: String) -> Int64? { Int64.fromDatabaseValue(row[column] as DatabaseValue) }
        func count(_ column: String) -> UInt64 { UInt64(max(0, int(column) ?? 0)) }
        id = row["id"]
        highWater = count("high_water")
        lastContactMs = Millis.clampWall(int("last_contact_ms"))
        dataAsOfMs = Millis.clampWall(int("data_as_of_ms"))
        backlog = count("backlog")
        oldestPendingMs = Millis.clampWall(int("oldest_pending_ms"))
        clockOffsetMs = Millis.clampSpan(int("clock_offset_ms") ?? 0)
        changesApplied = count("changes_applied")
        conflicts = count("conflicts")
        rejectedBatches = count("rejected_batches")
        rejectedChanges = count("rejected_changes")
        lastError = String.fromDatabaseValue(row["last_error"] as DatabaseValue)
        lastErrorAtMs = Millis.clampWall(int("last_error_at_ms"))
        quarantined = count("quarantined")
        oldestQuarantinedMs = Millis.clampWall(int("oldest_quarantined_ms"))
    }

    static func fetch(_ db: Database, id: String) throws -> HubNodeRecord? {
        let statement = try db.cachedStatement(sql: "SELECT \(columns) FROM nodes WHERE id = ?")
        return try Row.fetchOne(statement, arguments: [id]).map(HubNodeRecord.init(row:))
    }

    static func fetchAll(_ db: Database) throws -> [HubNodeRecord] {
        try Row.fetchAll(db, sql: "SELECT \(columns) FROM nodes ORDER BY id").map(HubNodeRecord.init(row:))
    }

    func save(_ db: Database) throws {
        let statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO nodes(\(Self.columns)) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
        try statement.execute(arguments: [
            id, Int64(clamping: highWater), lastContactMs, dataAsOfMs, Int64(clamping: backlog), oldestPendingMs,
            clockOffsetMs, Int64(clamping: changesApplied), Int64(clamping: conflicts),
            Int64(clamping: rejectedBatches), Int64(clamping: rejectedChanges), lastError, lastErrorAtMs,
            Int64(clamping: quarantined), oldestQuarantinedMs,
        ])
    }
}
