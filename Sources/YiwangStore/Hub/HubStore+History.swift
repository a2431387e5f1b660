import Foundation
import GRDB
import YiwangCore

/// One version of a record as the hub saw it (`yiwangctl blame`, `GET /v1/records/{dataset}/{key}/history`).
public struct VersionHistoryItem: Sendable, Hashable, Codable {
    /// What became of the version.
    public enum Status: String, Sendable, Hashable, Codable {
        /// It is (one of) the record's visible version(s) now.
        case visible
        /// It lost a conflict against a concurrent version.
        case lost
        /// A later version replaced it (or it arrived after one that covers it).
        case superseded
    }

    /// The audit entry that recorded it.
    public var auditSeq: Int64
    /// When the hub applied it (hub clock).
    public var receivedAtMs: Int64
    /// The node that sent it; `origin` is where it was written.
    public var node: String
    public var origin: String
    public var actor: String
    /// The writer's hybrid logical clock, milliseconds part.
    public var writtenAtMs: Int64
    public var vector: String
    public var operation: String
    /// SHA-256 of the value (puts only), so a copy can be matched without the hub revealing it.
    public var valueSHA256: String?
    public var status: Status
}

extension HubStore {
    /// Every version of a record the hub has seen, oldest first, with what became of it; from the audit log.
    public func history(dataset: String, key: String) async throws -> [VersionHistoryItem] {
        try await pool.read { db in
            let entries = try AuditTable.recordEntries(db, dataset: dataset, key: key)
            let current = try RecordTable.load(db, dataset: dataset, key: key)
            let visible = Set(current?.visible.map { ByteKey($0.vector.description) } ?? [])
            let decoder = JSONDecoder()
            var losers = Set<ByteKey>()
            for entry in entries where entry.kind == "conflict" {
                if let detail = try? decoder.decode(ConflictDetail.self, from: Data(entry.detail.utf8)),
                    detail.resolution == ConflictRecord.Resolution.lastWriterWins.rawValue
                {
                    losers.insert(ByteKey(detail.loser_vector))
                }
            }
            return entries.compactMap { entry -> VersionHistoryItem? in
                guard entry.kind == "apply",
                    let detail = try? decoder.decode(ApplyDetail.self, from: Data(entry.detail.utf8))
                else { return nil }
                let status: VersionHistoryItem.Status =
                    visible.contains(ByteKey(detail.vector)) ? .visible
                    : losers.contains(ByteKey(detail.vector)) ? .lost : .superseded
                return VersionHistoryItem(
                    auditSeq: entry.seq, receivedAtMs: entry.atMs, node: entry.node, origin: detail.origin,
                    actor: detail.actor, writtenAtMs: HLCTimestamp(packed: detail.hlc).wallMs, vector: detail.vector,
                    operation: detail.op, valueSHA256: detail.value_sha256, status: status)
            }
        }
    }
}

/// The `apply` entry's detail, as `AuditWriter.versionDetail` writes it.
private struct ApplyDetail: Decodable {
    var origin: String
    var actor: String
    var hlc: Int64
    var vector: String
    var op: String
    var value_sha256: String?
}

/// The `conflict` entry's detail, as `AuditWriter.conflictDetail` writes it.
private struct ConflictDetail: Decodable {
    var resolution: String
    var loser_vector: String
}
