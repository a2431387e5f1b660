import GRDB
import YiwangCore

/// A version kept in columns (`vector`, `hlc`, `origin`, `actor`, `op`, `value`, and `dataset`, `key` unless the
/// caller knows them), as the outbox, the feed and the records' winner store it: one reading, by column name.
enum StoredVersion {
    /// The version of `row`; `vectorColumn` names the column of its vector (`records` calls it `winner_vector`).
    static func version(
        from row: Row, dataset: String? = nil, key: String? = nil, vectorColumn: String = "vector"
    ) throws -> Version {
        Version(
            dataset: dataset ?? row["dataset"], key: key ?? row["key"],
            vector: try VersionVector(parsing: row[vectorColumn]), hlc: HLCTimestamp(packed: row["hlc"]),
            origin: row["origin"], actor: row["actor"], operation: operation(row["op"]), value: row["value"])
    }

    /// The stored `op` code (1 put, 2 delete); a code out of range reads as a put, as an unknown one always has,
    /// never a trap.
    static func operation(_ code: Int64) -> Operation {
        Operation(rawValue: UInt8(clamping: code)) ?? .put
    }
}
