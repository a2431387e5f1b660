import GRDB
import YiwangCore

/// The key range one snapshot page covers at the node: after the previous page's last record (`after`, nil
/// for the first page) through the page's own last record (`through`, nil for the last page: to the end), in
/// (dataset, key) byte order, within the snapshot's datasets. The pages are contiguous, so a record held here
/// inside a page's range that the page does not carry is not in the snapshot at all.
struct SnapshotPageRange {
    var after: SnapshotToken?
    var through: SnapshotToken?

    /// The records this node holds in the range, in `datasets` only (one range query per dataset; none for a
    /// new node's empty store beyond an index probe).
    func localRecords(_ db: Database, datasets: Set<String>) throws -> Set<RecordKey> {
        var found = Set<RecordKey>()
        for dataset in datasets {
            if let after, ByteKey.less(dataset, after.dataset) { continue }
            if let through, ByteKey.less(through.dataset, dataset) { continue }
            var sql = "SELECT key FROM records WHERE dataset = ?"
            var arguments: StatementArguments = [dataset]
            if let after, ByteKey.equal(after.dataset, dataset) {
                sql += " AND key > ?"
                _ = arguments.append(contentsOf: [after.key])
            }
            if let through, ByteKey.equal(through.dataset, dataset) {
                sql += " AND key <= ?"
                _ = arguments.append(contentsOf: [through.key])
            }
            let keys = try String.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
            while let key = try keys.next() { found.insert(RecordKey(dataset: dataset, key: key)) }
        }
        return found
    }

    /// Deletes `records` (held here, absent from the snapshot: deleted at the hub and their tombstones purged)
    /// except those with a local write the hub may not have: an outbox entry not acknowledged (pending,
    /// quarantined, requeued), or acknowledged at or after `keepAckedSinceMs` (the snapshot's start: the page
    /// may have been read before the hub held it). Returns how many went.
    static func purge(_ db: Database, _ records: Set<RecordKey>, keepAckedSinceMs: Int64) throws -> Int {
        guard !records.isEmpty else { return 0 }
        var written = Set<RecordKey>()
        let rows = try Row.fetchCursor(
            db, sql: "SELECT dataset, key FROM outbox WHERE status <> 'acked' OR acked_at_ms IS NULL OR acked_at_ms >= ?",
            arguments: [keepAckedSinceMs])
        while let row = try rows.next() { written.insert(RecordKey(dataset: row["dataset"], key: row["key"])) }
        var purged = 0
        let delete = try BoundWrite(db, sql: "DELETE FROM records WHERE dataset = ? AND key = ?")
        for record in records where !written.contains(record) {
            try delete.execute { values in
                values.add(record.dataset.text)
                values.add(record.key.text)
            }
            purged += 1
        }
        return purged
    }
}
