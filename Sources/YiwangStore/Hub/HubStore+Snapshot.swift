import GRDB
import YiwangCore

/// One snapshot page as the hub's store read it, with the journal positions of the same read transaction.
public struct SnapshotRead: Sendable, Hashable {
    /// The records after the token, in (dataset, key) byte order, with `next` set when more remain.
    public var entries: [SnapshotEntry]
    public var next: SnapshotToken?
    /// The feed head and horizon in the page's read transaction.
    public var head: Int64
    public var horizon: Int64
}

/// Reads the hub's records for a snapshot (README "Running a hub", Snapshots): per dataset, in byte order of
/// the datasets' names, the `records` rows by primary key (SQLite compares TEXT as bytes), after a token.
enum SnapshotTable {
    /// Up to `limit` records of `datasets` after `after`, at most `maxBytes` of them unless the first alone is
    /// larger, and the feed's head and horizon, all in the caller's one read transaction.
    static func page(
        _ db: Database, datasets: Set<String>, after: SnapshotToken?, limit: Int, maxBytes: Int
    ) throws -> SnapshotRead {
        let head = try FeedTable.head(db)
        let horizon = try FeedTable.horizon(db)
        let ordered = datasets.sorted { ByteKey.less($0, $1) }
        var entries: [SnapshotEntry] = []
        var bytes = 0
        for dataset in ordered {
            if let after, ByteKey.less(dataset, after.dataset) { continue }
            let fromKey = after.flatMap { ByteKey.equal($0.dataset, dataset) ? $0.key : nil }
            let statement = try db.cachedStatement(
                sql: fromKey == nil
                    ? "SELECT \(RecordTable.stateColumns), key FROM records WHERE dataset = ? ORDER BY key LIMIT ?"
                    : "SELECT \(RecordTable.stateColumns), key FROM records WHERE dataset = ? AND key > ? ORDER BY key LIMIT ?")
            var arguments: StatementArguments = [dataset]
            if let fromKey { _ = arguments.append(contentsOf: [fromKey]) }
            _ = arguments.append(contentsOf: [limit - entries.count + 1])
            let rows = try Row.fetchCursor(statement, arguments: arguments)
            while let row = try rows.next() {
                let key: String = row["key"]
                let entry = SnapshotEntry(
                    dataset: dataset, key: key, state: try RecordTable.state(from: row, dataset: dataset, key: key))
                bytes += SnapshotPage.entryBytes(entry)
                if entries.count == limit || (!entries.isEmpty && bytes > maxBytes) {
                    let last = entries[entries.count - 1]
                    return SnapshotRead(
                        entries: entries, next: SnapshotToken(dataset: last.dataset, key: last.key), head: head,
                        horizon: horizon)
                }
                entries.append(entry)
            }
        }
        return SnapshotRead(entries: entries, next: nil, head: head, horizon: horizon)
    }
}

extension HubStore {
    /// One snapshot page of `datasets` after `after` (nil: the first), read in one transaction with the feed's
    /// head (the snapshot's position when this is the first page) and horizon.
    public func snapshotPage(
        datasets: Set<String>, after: SnapshotToken?, limit: Int, maxBytes: Int = SnapshotPage.maxBytes
    ) async throws -> SnapshotRead {
        try await pool.read { db in
            try SnapshotTable.page(db, datasets: datasets, after: after, limit: max(1, limit), maxBytes: maxBytes)
        }
    }

    /// Moves the feed's horizon forward to `position` (compaction does this; tests of the snapshot path too).
    public func advanceFeedHorizon(to position: Int64) async throws {
        try await pool.write { db in try JournalMarks.advance(db, .compactedPosition, to: position) }
    }
}
