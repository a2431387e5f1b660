import Foundation
import GRDB
import YiwangCore

/// One page of the hub's change feed for one node.
public struct FeedPage: Sendable, Hashable {
    /// The versions after the requested cursor that the node is granted and did not originate, in feed order.
    public var versions: [Version]
    /// The last hub sequence scanned (even if filtered out): the node's next `since`.
    public var cursor: Int64
    /// True when the feed holds more after `cursor` (the node should pull again at once).
    public var more: Bool
    /// The highest hub sequence when the page was read.
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

/// The hub's change feed: every version that changed the hub's state (applied, or won or lost a conflict),
/// appended in the same transaction as its merge, numbered by a monotonically increasing hub sequence.
/// Replicas pull it (`GET /v1/changes`) and merge it by the same rules, so every replica converges.
enum FeedTable {
    static func createTable(_ db: Database) throws {
        // Rows are never deleted, so the rowid alias alone never reuses a sequence (no AUTOINCREMENT cost).
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

    /// Backfills the feed from the records already held (a hub upgraded from before the feed existed):
    /// every visible version, so a node bootstrapping from `since=0` still sees the province's state.
    static func backfill(_ db: Database) throws {
        let rows = try Row.fetchAll(
            db, sql: "SELECT \(RecordTable.stateColumns), key, dataset FROM records")
        for row in rows {
            let state = try RecordTable.state(from: row, dataset: row["dataset"], key: row["key"])
            for version in state.visible { try append(db, version) }
        }
    }

    /// Appends a version that changed the hub's state; called inside the merge's transaction.
    static func append(_ db: Database, _ version: Version) throws {
        try BoundWrite(
            db, sql: "INSERT INTO feed(dataset, key, origin, vector, hlc, actor, op, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        ).execute { values in
            values.add(version.dataset)
            values.add(version.key)
            values.add(version.origin)
            values.add(version.vector.description)
            values.add(version.hlc.packed)
            values.add(version.actor)
            values.add(Int64(version.operation.rawValue))
            values.add(version.value)
        }
    }

    /// The highest hub sequence, 0 for an empty feed.
    static func head(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(hub_seq) FROM feed")) ?? 0
    }

    /// About what a version costs in a page (its text, plus the fixed fields), for the byte budget.
    static func pageBytes(_ version: Version) -> Int {
        version.dataset.utf8.count + version.key.utf8.count + version.origin.utf8.count + version.actor.utf8.count
            + (version.value?.utf8.count ?? 0) + 24 * version.vector.entries.count + 32
    }

    /// Up to `limit` versions after `since` in `datasets`, not originated by `node`, and no more than
    /// `maxBytes` of them unless the first alone is larger (then `more` is set). A `since` past the head
    /// (the hub was restored from an older backup) restarts from 0, and the page says so (`reset`):
    /// merging is idempotent, skipping is not.
    static func page(
        _ db: Database, since: Int64, datasets: Set<String>, excludingOrigin node: String, limit: Int,
        maxBytes: Int = FeedPage.maxBytes
    ) throws -> FeedPage {
        let head = try head(db)
        let reset = since > head
        let since = reset ? 0 : max(0, since)
        guard !datasets.isEmpty, since < head else {
            return FeedPage(versions: [], cursor: head, more: false, head: head, reset: reset)
        }
        let placeholders = Array(repeating: "?", count: datasets.count).joined(separator: ",")
        let statement = try db.cachedStatement(
            sql: """
                SELECT hub_seq, dataset, key, origin, vector, hlc, actor, op, value FROM feed
                WHERE hub_seq > ? AND hub_seq <= ? AND origin <> ? AND dataset IN (\(placeholders))
                ORDER BY hub_seq LIMIT ?
                """)
        var arguments: StatementArguments = [since, head, node]
        _ = arguments.append(contentsOf: StatementArguments(datasets.sorted()))
        _ = arguments.append(contentsOf: [limit + 1])
        var versions: [Version] = []
        var bytes = 0
        var lastSeq = since
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        while let row = try rows.next() {
            if versions.count == limit {
                return FeedPage(versions: versions, cursor: lastSeq, more: true, head: head, reset: reset)
            }
            let version = try StoredVersion.version(from: row)
            bytes += pageBytes(version)
            if !versions.isEmpty && bytes > maxBytes {
                return FeedPage(versions: versions, cursor: lastSeq, more: true, head: head, reset: reset)
            }
            lastSeq = row["hub_seq"]
            versions.append(version)
        }
        return FeedPage(versions: versions, cursor: head, more: false, head: head, reset: reset)
    }
}
