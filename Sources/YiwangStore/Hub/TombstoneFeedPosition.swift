import Foundation
import GRDB
import YiwangCore

/// A record's identity as bytes, for the tombstone purge's lookups.
struct RecordRef: Hashable, Sendable {
    var dataset: ByteKey
    var key: ByteKey

    init(dataset: String, key: String) {
        self.dataset = ByteKey(dataset)
        self.key = ByteKey(key)
    }
}

/// The feed position of a tombstone, the position a node's cursor must reach before it may be purged
/// (`TombstonePurge`, condition (a)). The one place that knows how a record's journal entry maps to a feed
/// position, so that the journal's new scheme (issue 15: one journal row per change, the feed position read
/// from the record's own journal entry) changes this file only.
///
/// With today's separate `feed` table there is no link from a record to its feed row, and no index by record
/// (one would cost a random B-tree insert per applied change). The purge needs less than the position: only
/// whether every holder's cursor is at or after it. So the rows after the lowest cursor (`floor`) of the
/// datasets in question are scanned once: a record found there has its newest position from the scan; a record
/// not found there has its newest row at or before `floor`, and `floor` itself is returned for it (an upper
/// bound: the rule only gets stricter). When that tail is longer than `maxScan` rows (a node far behind), the
/// answer is nil and nothing is purged this time.
enum TombstoneFeedPosition {
    /// At most this many feed rows are scanned per purge step (about a second here).
    static let maxScan: Int64 = 1_000_000

    static func positions(
        _ db: Database, of records: Set<RecordRef>, floor: Int64, head: Int64, maxScan: Int64 = maxScan
    ) throws -> [RecordRef: Int64]? {
        let floor = max(0, floor)
        guard head.saturatingSubtract(floor) <= maxScan else { return nil }
        var positions: [RecordRef: Int64] = [:]
        for record in records { positions[record] = floor }
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT hub_seq, CAST(dataset AS BLOB) AS d, CAST(key AS BLOB) AS k FROM feed
                    WHERE hub_seq > ? AND hub_seq <= ? ORDER BY hub_seq
                    """),
            arguments: [floor, head])
        while let row = try rows.next() {
            let record = RecordRef(
                dataset: String(decoding: (row["d"] as Data?) ?? Data(), as: UTF8.self),
                key: String(decoding: (row["k"] as Data?) ?? Data(), as: UTF8.self))
            if positions[record] != nil { positions[record] = row["hub_seq"] }
        }
        return positions
    }
}
