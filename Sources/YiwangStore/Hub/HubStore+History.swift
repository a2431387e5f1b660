import GRDB
import YiwangAPI
import YiwangCore

extension HubStore {
    /// Every version of a record the hub has seen, oldest first, with what became of it; from the audit log.
    public func history(dataset: String, key: String) async throws -> [VersionHistoryItem] {
        try await pool.read { db in
            let entries = try AuditTable.recordDetails(db, dataset: dataset, key: key)
            let current = try RecordTable.load(db, dataset: dataset, key: key)
            let visible = Set(current?.visible.map { ByteKey($0.vector.description) } ?? [])
            var losers = Set<ByteKey>()
            for case .conflict(_, let detail) in entries
            where detail.resolution == ConflictRecord.Resolution.lastWriterWins.rawValue {
                if let loser = detail.loserVector { losers.insert(ByteKey(loser)) }
            }
            return entries.compactMap { item -> VersionHistoryItem? in
                guard case .applied(let entry, let detail) = item else { return nil }
                let status: VersionHistoryItem.Status =
                    visible.contains(ByteKey(detail.vector)) ? .visible
                    : losers.contains(ByteKey(detail.vector)) ? .lost : .superseded
                return VersionHistoryItem(
                    auditSeq: entry.seq, receivedAtMs: entry.atMs, node: entry.node, origin: detail.origin,
                    actor: detail.actor, writtenAtMs: HLCTimestamp(packed: detail.hlc).wallMs, vector: detail.vector,
                    operation: detail.op, valueSHA256: detail.valueSHA256, status: status)
            }
        }
    }
}
