import GRDB
import YiwangCore

/// The stored states of every record a batch (hub) or a bulk request (edge) touches, read with a few `IN (...)`
/// queries instead of one query per change, and kept current as the batch merges (it may touch a key twice).
struct RecordPrefetch {
    private struct RecordKey: Hashable {
        var dataset: String
        var key: String
    }

    private var states: [RecordKey: RecordState] = [:]
    private static let chunk = 400

    /// Reads the current state of each `(dataset, key)` among `versions`.
    init(_ db: Database, versions: some Sequence<Version>) throws {
        try self.init(db, keys: versions.lazy.map { ($0.dataset, $0.key) })
    }

    /// Reads the current state of each `(dataset, key)`.
    init(_ db: Database, keys: some Sequence<(String, String)>) throws {
        var keysByDataset: [String: Set<String>] = [:]
        for (dataset, key) in keys { keysByDataset[dataset, default: []].insert(key) }
        for (dataset, keys) in keysByDataset {
            let all = Array(keys)
            for start in stride(from: 0, to: all.count, by: Self.chunk) {
                let slice = all[start..<min(start + Self.chunk, all.count)]
                let placeholders = Array(repeating: "?", count: slice.count).joined(separator: ",")
                let statement = try db.cachedStatement(
                    sql: """
                        SELECT vector, winner_vector, hlc, origin, actor, op, value, siblings, key FROM records
                        WHERE dataset = ? AND key IN (\(placeholders))
                        """)
                var arguments: StatementArguments = [dataset]
                _ = arguments.append(contentsOf: StatementArguments(Array(slice)))
                let rows = try Row.fetchCursor(statement, arguments: arguments)
                while let row = try rows.next() {
                    let key: String = row[8]
                    states[RecordKey(dataset: dataset, key: key)] = try RecordTable.state(
                        from: row, dataset: dataset, key: key)
                }
            }
        }
    }

    func state(dataset: String, key: String) -> RecordState? {
        states[RecordKey(dataset: dataset, key: key)]
    }

    mutating func update(dataset: String, key: String, to state: RecordState) {
        states[RecordKey(dataset: dataset, key: key)] = state
    }
}
