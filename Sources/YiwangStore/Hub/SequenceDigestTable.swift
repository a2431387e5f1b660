import Foundation
import GRDB
import YiwangCore

/// What the hub received at each (node, seq): a digest of the change's version (`SequenceDigest`; issue 13,
/// class 11). A node
/// restored from an older copy of its data reuses sequence numbers for new writes; without this, the hub would
/// take them for resends of what it already holds (acknowledged, never applied, no error anywhere). With it, a
/// resent sequence whose content differs is refused as `sequence_reused`, and the node re-issues the write
/// above the hub's high water. Sequences received before this table existed have no digest and stay
/// duplicates, as before.
enum SequenceDigestTable {
    static func createTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE sequence_digests(
                    node TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    digest BLOB NOT NULL,   -- first 16 bytes of SHA-256 of the version's wire encoding
                    PRIMARY KEY(node, seq)
                ) WITHOUT ROWID;
                """)
    }

    static func record(_ db: Database, node: String, seq: UInt64, digest: [UInt8]) throws {
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO sequence_digests(node, seq, digest) VALUES (?, ?, ?)")
            .execute(arguments: [node, Int64(clamping: seq), Data(digest)])
    }

    static func stored(_ db: Database, node: String, seq: UInt64) throws -> [UInt8]? {
        try Data.fetchOne(
            db.cachedStatement(sql: "SELECT digest FROM sequence_digests WHERE node = ? AND seq = ?"),
            arguments: [node, Int64(clamping: seq)]
        ).map { [UInt8]($0) }
    }
}
