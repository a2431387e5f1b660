import Foundation
import GRDB
import YiwangAPI
import YiwangCore

/// Which datasets the hub served each node's last pull (`downlinks.served`), as a sorted JSON array, and the
/// snapshot it is paging (`snapshot_position`, `snapshot_pages`). NULL in a row from before they were
/// recorded: read as unknown, which the purge rule takes as the node's grants and the feed as "nothing added".
extension HubStore {
    static func addServedDatasets(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE downlinks ADD COLUMN served TEXT;
                ALTER TABLE downlinks ADD COLUMN snapshot_position INTEGER;
                ALTER TABLE downlinks ADD COLUMN snapshot_pages INTEGER;
                """)
    }

    static func encodeDatasets(_ datasets: Set<String>) -> String {
        let data = (try? JSONCoding.encoder.encode(datasets.sorted())) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// A stored set; nil for NULL, and for a value that is not a JSON array of strings (an edited row: unknown).
    static func decodeDatasets(_ value: DatabaseValue) -> Set<String>? {
        guard let text = String.fromDatabaseValue(value),
            let list = try? JSONCoding.decoder.decode([String].self, from: Data(text.utf8))
        else { return nil }
        return Set(list)
    }

    /// What `recordPull` reads of the node's row: the datasets served, and the snapshot it is paging, if any.
    static func servedDatasets(_ db: Database, node: String) throws -> StoredDownlink {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT cursor, last_pull_ms, served, snapshot_position, snapshot_pages "
                        + "FROM downlinks WHERE node = ?"), arguments: [node])
        else { return StoredDownlink() }
        let record = DownlinkRecord(row: row)
        return StoredDownlink(
            served: decodeDatasets(row["served"]),
            snapshot: record.snapshotPosition.map { ($0, record.snapshotPages ?? 0) })
    }

    struct StoredDownlink {
        var served: Set<String>?
        var snapshot: (position: Int64, pages: Int64)?
    }
}
