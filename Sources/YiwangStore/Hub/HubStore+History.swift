import GRDB
import YiwangAPI
import YiwangCore

extension HubStore {
    /// Every version of a record the hub has seen, oldest first, with what became of it; from the audit log.
    /// A record whose tombstone was purged (`purgeTombstones`) keeps its history: each purged life first, its
    /// tombstone shown as `purged`, then the record's current life if it was written again.
    public func history(dataset: String, key: String) async throws -> [VersionHistoryItem] {
        try await pool.read { db in
            var items: [VersionHistoryItem] = []
            for life in try PurgedRecordTable.lives(db, dataset: dataset, key: key) {
                items += Self.historyItems(life.entries, visible: [], purged: life.purgedVectors)
            }
            let entries = try AuditTable.recordDetails(db, dataset: dataset, key: key)
            let current = try RecordTable.load(db, dataset: dataset, key: key)
            let visible = Set(current?.visible.map { ByteKey($0.vector.description) } ?? [])
            return items + Self.historyItems(entries, visible: visible, purged: [])
        }
    }

    /// One life's entries as history items: a version among `visible` is visible, among `purged` purged, one a
    /// `lww` conflict entry names as the loser lost, any other superseded.
    private static func historyItems(
        _ entries: [RecordAuditEntry], visible: Set<ByteKey>, purged: Set<ByteKey>
    ) -> [VersionHistoryItem] {
        var losers = Set<ByteKey>()
        for case .conflict(_, let detail) in entries
        where detail.resolution == ConflictRecord.Resolution.lastWriterWins.rawValue {
            if let loser = detail.loserVector { losers.insert(ByteKey(loser)) }
        }
        return entries.compactMap { item -> VersionHistoryItem? in
            guard case .applied(let entry, let detail) = item else { return nil }
            let vector = ByteKey(detail.vector)
            let status: VersionHistoryItem.Status =
                visible.contains(vector) ? .visible
                : purged.contains(vector) ? .purged
                : losers.contains(vector) ? .lost : .superseded
            return VersionHistoryItem(
                auditSeq: entry.seq, receivedAtMs: entry.atMs, node: entry.node, origin: detail.origin,
                actor: detail.actor, writtenAtMs: HLCTimestamp(packed: detail.hlc).wallMs, vector: detail.vector,
                operation: detail.op, valueSHA256: detail.valueSHA256, status: status)
        }
    }
}
