import Foundation
import GRDB
import YiwangCore

/// One page of the hub's change feed for one node.
public struct FeedPage: Sendable, Hashable {
    /// The versions after the requested cursor that the node is granted and did not originate, in feed order.
    public var versions: [Version]
    /// The last feed position scanned (even if filtered out): the node's next `since`.
    public var cursor: Int64
    /// True when the feed holds more after `cursor` (the node should pull again at once).
    public var more: Bool
    /// The highest feed position when the page was read.
    public var head: Int64
    /// True when the page was served from the start of the feed because the requested cursor was past the
    /// head (the hub was restored from an older copy): the only case in which a cursor may move backwards.
    public var reset: Bool

    /// The most bytes of versions a feed page carries (a page holds at least one version, whatever its size):
    /// 10,000 versions of 1 MiB each would otherwise make a 10 GB answer.
    public static let maxBytes = 8 << 20

    public init(versions: [Version], cursor: Int64, more: Bool, head: Int64, reset: Bool = false) {
        self.versions = versions
        self.cursor = cursor
        self.more = more
        self.head = head
        self.reset = reset
    }
}

/// The hub's change feed: every version that changed the hub's state (applied, or won or lost a conflict), in
/// the order the hub applied them, at increasing positions. Since migration `v6-journal` it is read from the
/// journal (`AuditTable+Journal`: the `apply` entries marked `feed`, with their values); a hub upgraded from
/// before keeps its old `feed` table for the positions below (`FeedPositions`). Replicas pull it
/// (`GET /v1/changes`) and merge it by the same rules, so every replica converges.
enum FeedTable {
    /// The old feed table (schema v2 to v5), still read for the positions it holds on an upgraded hub.
    static func createTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE feed(
                    hub_seq INTEGER PRIMARY KEY,
                    dataset TEXT NOT NULL,
                    key TEXT NOT NULL,
                    origin TEXT NOT NULL,
                    vector TEXT NOT NULL,
                    hlc INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    op INTEGER NOT NULL,       -- 1 put, 2 delete
                    value TEXT                 -- exactly the bytes received; NULL for a tombstone
                )
                """)
    }

    /// Backfills the old feed table from the records already held (a hub upgraded from before the feed
    /// existed, migration `v2-feed`): every visible version, so a node bootstrapping from `since=0` still sees
    /// the province's state. The journal's upgrade then numbers on above these rows.
    static func backfill(_ db: Database) throws {
        let rows = try Row.fetchAll(
            db, sql: "SELECT \(RecordTable.stateColumns), key, dataset FROM records")
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO feed(dataset, key, origin, vector, hlc, actor, op, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for row in rows {
            let state = try RecordTable.state(from: row, dataset: row["dataset"], key: row["key"])
            for version in state.visible {
                try insert.execute(arguments: [
                    version.dataset, version.key, version.origin, version.vector.description, version.hlc.packed,
                    version.actor, Int64(version.operation.rawValue), version.value,
                ])
            }
        }
    }

    /// The highest feed position, 0 for an empty feed: the journal's newest feed entry, else the old table's
    /// head; never below the compacted position (whose entries may be gone from the hub).
    static func head(_ db: Database) throws -> Int64 {
        try head(db, positions: FeedPositions.load(db))
    }

    static func head(_ db: Database, positions: FeedPositions) throws -> Int64 {
        // Newest first by the rowid: stops at the first feed entry, which is almost always the last one.
        let newest = try Int64.fetchOne(
            db.cachedStatement(
                sql: "SELECT seq FROM audit WHERE feed IS NOT NULL AND seq > ? ORDER BY seq DESC LIMIT 1"),
            arguments: [positions.journalBase])
        let journal = newest.map(positions.position(ofSeq:)) ?? positions.legacyHead
        return max(journal, try horizon(db))
    }

    /// About what a version costs in a page (its text, plus the fixed fields), for the byte budget.
    static func pageBytes(_ version: Version) -> Int {
        version.dataset.utf8.count + version.key.utf8.count + version.origin.utf8.count + version.actor.utf8.count
            + (version.value?.utf8.count ?? 0) + 24 * version.vector.entries.count + 32
    }

    /// Up to `limit` versions after `since` in `datasets`, not originated by `node`, and no more than
    /// `maxBytes` of them unless the first alone is larger (then `more` is set). A `since` past the head
    /// (the hub was restored from an older backup) restarts from 0, and the page says so (`reset`):
    /// merging is idempotent, skipping is not. A `since` below the horizon (`FeedTable.horizon`) misses the
    /// compacted versions: the caller sends such a node to a snapshot instead.
    static func page(
        _ db: Database, since: Int64, datasets: Set<String>, excludingOrigin node: String, limit: Int,
        maxBytes: Int = FeedPage.maxBytes
    ) throws -> FeedPage {
        let positions = try FeedPositions.load(db)
        let head = try head(db, positions: positions)
        let reset = since > head
        let since = reset ? 0 : max(0, since)
        guard !datasets.isEmpty, since < head else {
            return FeedPage(versions: [], cursor: head, more: false, head: head, reset: reset)
        }
        var page = FeedPageBuilder(since: since, limit: limit, maxBytes: maxBytes)
        var arguments: StatementArguments = [node]
        _ = arguments.append(contentsOf: StatementArguments(datasets.sorted()))
        let inDatasets = "dataset IN (\(Array(repeating: "?", count: datasets.count).joined(separator: ",")))"
        if since < positions.legacyHead {
            let legacy = try db.cachedStatement(
                sql: """
                    SELECT hub_seq AS position, dataset, key, origin, vector, hlc, actor, op, value FROM feed
                    WHERE hub_seq > ? AND hub_seq <= ? AND origin <> ? AND \(inDatasets) ORDER BY hub_seq LIMIT ?
                    """)
            let rows = try Row.fetchCursor(
                legacy, arguments: [since, positions.legacyHead] + arguments + [limit + 1])
            while let row = try rows.next() {
                guard try page.add(StoredVersion.version(from: row), at: row["position"]) else {
                    return page.finish(head: head, reset: reset, more: true)
                }
            }
            page.scanned(through: positions.legacyHead)
        }
        // The journal's feed entries: a put whose value compaction dropped is below the horizon, never served.
        let journal = try db.cachedStatement(
            sql: """
                SELECT seq, dataset, key, node AS origin, json_extract(detail, '$.vector') AS vector,
                    json_extract(detail, '$.hlc') AS hlc, json_extract(detail, '$.actor') AS actor, feed AS op, value
                FROM audit
                WHERE seq > ? AND seq <= ? AND feed IS NOT NULL AND (value IS NOT NULL OR feed <> 1)
                    AND node <> ? AND \(inDatasets)
                ORDER BY seq LIMIT ?
                """)
        let fromSeq = positions.seq(atPosition: page.cursor)
        let rows = try Row.fetchCursor(
            journal, arguments: [fromSeq, positions.seq(atPosition: head)] + arguments + [limit + 1])
        while let row = try rows.next() {
            guard try page.add(StoredVersion.version(from: row), at: positions.position(ofSeq: row["seq"])) else {
                return page.finish(head: head, reset: reset, more: true)
            }
        }
        return page.finish(head: head, reset: reset, more: false)
    }
}

/// Gathers one feed page: versions in position order within a count and a byte budget (the first version
/// whatever its size), and the last position taken, which is where the next page starts.
struct FeedPageBuilder {
    private(set) var versions: [Version] = []
    /// The last position scanned and taken.
    private(set) var cursor: Int64
    private var bytes = 0
    let limit: Int
    let maxBytes: Int

    init(since: Int64, limit: Int, maxBytes: Int) {
        cursor = since
        self.limit = limit
        self.maxBytes = maxBytes
    }

    /// Takes `version` at `position`, or returns false when the page is full (the version is left for the next).
    mutating func add(_ version: Version, at position: Int64) -> Bool {
        guard versions.count < limit else { return false }
        let cost = FeedTable.pageBytes(version)
        if !versions.isEmpty && bytes + cost > maxBytes { return false }
        bytes += cost
        versions.append(version)
        cursor = position
        return true
    }

    /// Everything up to `position` was scanned (what was left out is not for this node).
    mutating func scanned(through position: Int64) {
        cursor = max(cursor, position)
    }

    /// The page; a page that is not full was scanned to the head.
    func finish(head: Int64, reset: Bool, more: Bool) -> FeedPage {
        FeedPage(versions: versions, cursor: more ? cursor : head, more: more, head: head, reset: reset)
    }
}
