import GRDB
import YiwangCore

/// The key range one snapshot page covers at the node: after the previous page's last record (`after`, nil
/// for the first page) through the page's own last record (`through`, nil for the last page: to the end), in
/// (dataset, key) byte order, within the snapshot's datasets: which records the node already holds there (those
/// merge; the others are stored as the hub holds them).
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
}
