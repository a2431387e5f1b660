import GRDB
import YiwangCore

/// The stored states of every record a batch (hub) or a bulk request (edge) touches, read with a few `IN (...)`
/// queries instead of one query per change, and kept current as the batch merges (it may touch a key twice).
struct RecordPrefetch {
    /// A record's identity as bytes (`ByteKey`): canonically equivalent keys with different bytes are two
    /// records here as in SQLite.
    private struct RecordKey: Hashable {
        var dataset: ByteKey
        var key: ByteKey

        init(dataset: String, key: String) {
            self.dataset = ByteKey(dataset)
            self.key = ByteKey(key)
        }
    }

    /// The states read, kept current by `update` (the hub's plan takes them as they were read).
    private(set) var states = RecordStates()
    /// The hub's `records.last_audit` of each record read, when asked for (`withAuditLinks`).
    private var auditLinks: [RecordKey: Int64] = [:]
    private static let chunk = 400

    /// Reads the current state of each `(dataset, key)` among `versions` (and, on the hub, its audit link).
    init(_ db: Database, versions: some Sequence<Version>, withAuditLinks: Bool = false) throws {
        try self.init(db, keys: versions.lazy.map { ($0.dataset, $0.key) }, withAuditLinks: withAuditLinks)
    }

    /// Reads the current state of each `(dataset, key)`.
    init(_ db: Database, keys: some Sequence<(String, String)>, withAuditLinks: Bool = false) throws {
        var keysByDataset: [ByteKey: Set<ByteKey>] = [:]
        for (dataset, key) in keys { keysByDataset[ByteKey(dataset), default: []].insert(ByteKey(key)) }
        // Every key gets a link as the batch appends its entries: room for all of them, not grown step by step.
        if withAuditLinks { auditLinks.reserveCapacity(keysByDataset.values.reduce(0) { $0 + $1.count }) }
        for (datasetBytes, keys) in keysByDataset {
            let dataset = datasetBytes.text
            let all = keys.map(\.text)
            for start in stride(from: 0, to: all.count, by: Self.chunk) {
                let slice = all[start..<min(start + Self.chunk, all.count)]
                let placeholders = Array(repeating: "?", count: slice.count).joined(separator: ",")
                let statement = try db.cachedStatement(
                    sql: """
                        SELECT \(RecordTable.stateColumns), key\(withAuditLinks ? ", last_audit" : "") FROM records
                        WHERE dataset = ? AND key IN (\(placeholders))
                        """)
                var arguments: StatementArguments = [dataset]
                _ = arguments.append(contentsOf: StatementArguments(Array(slice)))
                let rows = try Row.fetchCursor(statement, arguments: arguments)
                while let row = try rows.next() {
                    let key: String = row["key"]
                    let recordKey = RecordKey(dataset: dataset, key: key)
                    states[dataset: dataset, key: key] = try RecordTable.state(from: row, dataset: dataset, key: key)
                    if withAuditLinks, let link = row["last_audit"] as Int64? { auditLinks[recordKey] = link }
                }
            }
        }
    }

    func state(dataset: String, key: String) -> RecordState? {
        states[dataset: dataset, key: key]
    }

    mutating func update(dataset: String, key: String, to state: RecordState) {
        states[dataset: dataset, key: key] = state
    }

    /// The seq of the record's newest audit entry (hub), nil before its first.
    func auditLink(dataset: String, key: String) -> Int64? {
        auditLinks[RecordKey(dataset: dataset, key: key)]
    }

    mutating func updateAuditLink(dataset: String, key: String, to link: Int64) {
        auditLinks[RecordKey(dataset: dataset, key: key)] = link
    }
}
