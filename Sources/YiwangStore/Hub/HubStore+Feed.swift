import GRDB
import YiwangCore

/// A node's downlink position as the hub last saw it.
public struct DownlinkRecord: Sendable, Hashable {
    /// The cursor the node last pulled from (everything up to it is applied at the node).
    public var cursor: Int64
    /// When it last pulled (hub clock, ms).
    public var lastPullMs: Int64
    /// The snapshot it is paging: its position and the pages served so far (nil when its last pull was the feed).
    public var snapshotPosition: Int64?
    public var snapshotPages: Int64?

    /// A stored row, clamped (cursor >= 0, time in `Millis.wallRange`) so that an extreme value cannot trap.
    init(row: Row) {
        cursor = max(0, Int64.fromDatabaseValue(row["cursor"] as DatabaseValue) ?? 0)
        lastPullMs = Millis.clampWall(Int64.fromDatabaseValue(row["last_pull_ms"] as DatabaseValue)) ?? 0
        if row.hasColumn("snapshot_position"),
            let position = Int64.fromDatabaseValue(row["snapshot_position"] as DatabaseValue),
            let pages = Int64.fromDatabaseValue(row["snapshot_pages"] as DatabaseValue)
        {
            snapshotPosition = max(0, position)
            snapshotPages = max(0, pages)
        }
    }
}

extension HubStore {
    /// The hub's downlink bookkeeping: each node's feed cursor and last pull.
    static func createDownlinkTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE downlinks(
                    node TEXT PRIMARY KEY NOT NULL,
                    cursor INTEGER NOT NULL,
                    last_pull_ms INTEGER NOT NULL
                ) WITHOUT ROWID
                """)
    }

    /// One page of the feed for `node` after `since`, in `datasets`, without the node's own versions.
    /// Once anything is compacted, a `since` older than the horizon (`FeedTable.horizon`, read in the page's
    /// transaction), 0 included, or past the head is refused with `snapshot_required`: versions the node never
    /// saw were compacted away, and a page from there would skip them silently.
    public func feedPage(
        node: String, since: Int64, datasets: Set<String>, limit: Int, maxBytes: Int = FeedPage.maxBytes
    ) async throws -> FeedPage {
        try await pool.read { db in
            let horizon = try FeedTable.horizon(db)
            // Past the head (a hub restored from an older copy) the page would restart from 0: the same gap.
            let head = try FeedTable.head(db)
            if horizon > 0, since < horizon || since > head {
                throw YiwangError(
                    code: .snapshotRequired, field: "since",
                    message: "the feed before position \(horizon) is compacted and this node's cursor is \(since): "
                        + "bootstrap from GET /v1/snapshot, then pull the feed from the snapshot's position")
            }
            return try FeedTable.page(
                db, since: since, datasets: datasets, excludingOrigin: node, limit: limit, maxBytes: maxBytes)
        }
    }

    /// The highest hub sequence (0 when the feed is empty).
    public func feedHead() async throws -> Int64 {
        try await pool.read { db in try FeedTable.head(db) }
    }

    /// Records that `node` pulled from `cursor` at `nowMs`, served `datasets` (its grants,
    /// `HubStore+ServedDatasets`). A pull that `continues` (a feed cursor above 0, a
    /// snapshot page after the first) and is granted a dataset its last pull was not served is refused with
    /// `snapshot_required`, recording nothing: the node never received that dataset's versions before its
    /// cursor (deletes, and tombstones purged since, included), and only a snapshot brings them.
    /// `snapshotPosition`: the position of the snapshot whose page this pull is (nil for a feed pull): the
    /// report counts its pages.
    public func recordPull(
        node: String, cursor: Int64, datasets: Set<String>, continues: Bool, snapshotPosition: Int64? = nil,
        nowMs: Int64
    ) async throws {
        try await pool.write { db in
            let stored = try Self.servedDatasets(db, node: node)
            if continues, let served = stored.served {
                let added = datasets.subtracting(served)
                guard added.isEmpty else {
                    throw YiwangError(
                        code: .snapshotRequired, field: "since",
                        message: "this node was granted dataset(s) [\(added.sorted().joined(separator: ", "))] "
                            + "after its cursor: bootstrap from GET /v1/snapshot, then pull the feed from its position")
                }
            }
            var pages: Int64?
            if let snapshotPosition {
                let same = continues && stored.snapshot?.position == snapshotPosition
                pages = (same ? stored.snapshot?.pages ?? 0 : 0).saturatingAdd(1)
            }
            try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO downlinks(
                        node, cursor, last_pull_ms, served, snapshot_position, snapshot_pages)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                node, cursor, nowMs, Self.encodeDatasets(datasets), pages == nil ? nil : snapshotPosition, pages,
            ])
        }
    }

    /// Every node's downlink position, by node id, and the feed's head.
    public func downlinks() async throws -> (head: Int64, nodes: [String: DownlinkRecord]) {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT node, cursor, last_pull_ms, snapshot_position, snapshot_pages FROM downlinks")
            let nodes = Dictionary(
                rows.map { row in (row["node"] as String, DownlinkRecord(row: row)) },
                uniquingKeysWith: { first, _ in first })  // never trap on two canonically equivalent ids
            return (try FeedTable.head(db), nodes)
        }
    }
}
