import GRDB
import YiwangCore

/// What the hub has stored about one node: the bookkeeping its batch rules keep (`NodeBookkeeping`: sync
/// position, last report, counters; its fields read as the record's own, `record.highWater`) and the figures
/// of its held changes, read from `held_changes`. Times are hub-clock milliseconds.
@dynamicMemberLookup
public struct HubNodeRecord: Sendable, Hashable {
    /// The `nodes` row: what `BatchPlan` reads before a batch and writes after it.
    public var bookkeeping: NodeBookkeeping
    /// Changes of this node held back (their vectors count another node beyond what the hub holds of it):
    /// the hub does not hold them as merged. Read from `held_changes`, not a column of `nodes`.
    public var heldChanges: UInt64 = 0
    /// The data time (hub clock) of the oldest held change; nil when none is held. Data age starts here at most.
    public var oldestHeldMs: Int64?

    public init(id: String) { bookkeeping = NodeBookkeeping(id: id) }

    public subscript<Value>(dynamicMember field: WritableKeyPath<NodeBookkeeping, Value>) -> Value {
        get { bookkeeping[keyPath: field] }
        set { bookkeeping[keyPath: field] = newValue }
    }

    static let columns = """
        id, high_water, last_contact_ms, data_as_of_ms, backlog, oldest_pending_ms, clock_offset_ms, \
        changes_applied, conflicts, rejected_batches, rejected_changes, last_error, last_error_at_ms, \
        quarantined, oldest_quarantined_ms, relay_path, report_clock_offset_ms
        """

    /// Reads a stored row, clamping every number into its range (times into `Millis.wallRange`, the clock
    /// offset into `±Millis.maxWallMs`, counts to >= 0): a row written with an extreme value by an older
    /// version, or edited by hand, must not make the report or `/metrics` trap. A value that is not an
    /// integer at all reads as absent (or 0).
    init(row: Row) {
        func int(_ column: String) -> Int64? { Int64.fromDatabaseValue(row[column] as DatabaseValue) }
        func count(_ column: String) -> UInt64 { UInt64(max(0, int(column) ?? 0)) }
        var node = NodeBookkeeping(id: row["id"])
        node.highWater = count("high_water")
        node.lastContactMs = Millis.clampWall(int("last_contact_ms"))
        node.dataAsOfMs = Millis.clampWall(int("data_as_of_ms"))
        node.backlog = count("backlog")
        node.oldestPendingMs = Millis.clampWall(int("oldest_pending_ms"))
        node.clockOffsetMs = Millis.clampSpan(int("clock_offset_ms") ?? 0)
        node.changesApplied = count("changes_applied")
        node.conflicts = count("conflicts")
        node.rejectedBatches = count("rejected_batches")
        node.rejectedChanges = count("rejected_changes")
        node.lastError = String.fromDatabaseValue(row["last_error"] as DatabaseValue)
        node.lastErrorAtMs = Millis.clampWall(int("last_error_at_ms"))
        node.quarantined = count("quarantined")
        node.oldestQuarantinedMs = Millis.clampWall(int("oldest_quarantined_ms"))
        node.reportClockOffsetMs = Millis.clampSpan(int("report_clock_offset_ms") ?? 0)
        node.relayPath = Self.relayPath(stored: String.fromDatabaseValue(row["relay_path"] as DatabaseValue))
        bookkeeping = node
    }

    static func fetch(_ db: Database, id: String) throws -> HubNodeRecord? {
        let statement = try db.cachedStatement(sql: "SELECT \(columns) FROM nodes WHERE id = ?")
        return try Row.fetchOne(statement, arguments: [id]).map(HubNodeRecord.init(row:))
    }

    static func fetchAll(_ db: Database) throws -> [HubNodeRecord] {
        try Row.fetchAll(db, sql: "SELECT \(columns) FROM nodes ORDER BY id").map(HubNodeRecord.init(row:))
    }

    func save(_ db: Database) throws {
        let statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO nodes(\(Self.columns)) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
        let node = bookkeeping
        try statement.execute(arguments: [
            node.id, Int64(clamping: node.highWater), node.lastContactMs, node.dataAsOfMs,
            Int64(clamping: node.backlog), node.oldestPendingMs, node.clockOffsetMs,
            Int64(clamping: node.changesApplied), Int64(clamping: node.conflicts),
            Int64(clamping: node.rejectedBatches), Int64(clamping: node.rejectedChanges), node.lastError,
            node.lastErrorAtMs, Int64(clamping: node.quarantined), node.oldestQuarantinedMs,
            node.relayPath.map(Self.storedText(relayPath:)), node.reportClockOffsetMs,
        ])
    }

    /// A relay path as the `relay_path` column holds it: the node ids joined by `,` (which no id contains).
    static func storedText(relayPath path: [String]) -> String { path.joined(separator: ",") }

    /// The column read back; nil when absent, or when it is not a path of 2 to `RelaySection.maxHops` valid
    /// node ids (a row edited by hand reads as a direct node, never as a path the hub did not see).
    static func relayPath(stored text: String?) -> [String]? {
        guard let text else { return nil }
        let hops = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard (2...RelaySection.maxHops).contains(hops.count),
            hops.allSatisfy({ (try? Validation.nodeID($0)) != nil })
        else { return nil }
        return hops
    }
}
