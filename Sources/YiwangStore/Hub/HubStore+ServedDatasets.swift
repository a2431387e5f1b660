import Foundation
import GRDB
import YiwangAPI
import YiwangCore

/// Which datasets the hub served each node's downlink (`downlinks.served`: at its last pull; `ever_served`:
/// since the row was first written), as sorted JSON arrays. NULL in a row from before they were recorded: read
/// as unknown, which the purge rule takes as the node's grants and the feed as "nothing added".
extension HubStore {
    static func addServedDatasets(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE downlinks ADD COLUMN served TEXT;
                ALTER TABLE downlinks ADD COLUMN ever_served TEXT;
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

    static func servedDatasets(_ db: Database, node: String) throws -> (served: Set<String>?, everServed: Set<String>?) {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT served, ever_served FROM downlinks WHERE node = ?"), arguments: [node])
        else { return (nil, nil) }
        return (decodeDatasets(row["served"]), decodeDatasets(row["ever_served"]))
    }
}
