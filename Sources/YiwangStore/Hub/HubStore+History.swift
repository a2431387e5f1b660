import GRDB
import YiwangAPI
import YiwangCore

extension HubStore {
    /// Every version of a record the hub still holds, oldest first, with what became of it; from the audit log.
    /// A record whose tombstone was purged (`purgeTombstones`) keeps its history: each purged life first, its
    /// tombstone shown as `purged`, then the record's current life if it was written again.
    public func history(dataset: String, key: String) async throws -> [VersionHistoryItem] {
        try await historyBody(dataset: dataset, key: key).versions
    }

    /// The record's live versions, and where its older entries went when part of its history was archived and
    /// pruned (the segment file holding the newest of them, from the hub's record of archives).
    public func historyBody(dataset: String, key: String) async throws -> HistoryBody {
        try await pool.read { db in
            let history = try AuditTable.recordHistory(db, dataset: dataset, key: key)
            let current = try RecordTable.load(db, dataset: dataset, key: key)
            let visible = Set(current?.visible.map { $0.vector.description } ?? [])
            var versions: [VersionHistoryItem] = []
            var archivedLink = history.archivedLink
            for life in try PurgedRecordTable.lives(db, dataset: dataset, key: key) {
                versions += RecordHistoryItems.items(life.entries, visibleVectors: [], purgedVectors: life.purgedVectors)
                if let link = life.archivedLink { archivedLink = max(archivedLink ?? 0, link) }
            }
            versions += RecordHistoryItems.items(AuditTable.details(of: history.entries), visibleVectors: visible)
            var archived: ArchivedHistory?
            if let seq = archivedLink {
                let segment = try AuditArchiveTable.segment(holding: seq, db)
                archived = ArchivedHistory(
                    newestArchivedSeq: seq, segment: segment?.file, archiveID: segment?.archiveID,
                    directory: segment?.directory)
            }
            return HistoryBody(dataset: dataset, key: key, versions: versions, archived: archived)
        }
    }
}

/// A record's versions from its `apply` and `conflict` entries, with their fate: pure, for the hub's history
/// route and for blame over archived entries (`yiwangctl blame --archive`).
public enum RecordHistoryItems {
    /// `visibleVectors`: the vectors of the record's visible versions now (as text); `purgedVectors`: those of
    /// the tombstone a purge removed (for a purged life of the record).
    static func items(
        _ entries: [RecordAuditEntry], visibleVectors: Set<String>, purgedVectors: Set<ByteKey> = []
    ) -> [VersionHistoryItem] {
        let visible = Set(visibleVectors.map { ByteKey($0) })
        var losers = Set<ByteKey>()
        for case .conflict(_, let detail) in entries
        where detail.resolution == ConflictRecord.Resolution.lastWriterWins.rawValue {
            if let loser = detail.loserVector { losers.insert(ByteKey(loser)) }
        }
        return entries.compactMap { item -> VersionHistoryItem? in
            guard case .applied(let entry, let detail) = item else { return nil }
            let status: VersionHistoryItem.Status =
                visible.contains(ByteKey(detail.vector)) ? .visible
                : purgedVectors.contains(ByteKey(detail.vector)) ? .purged
                : losers.contains(ByteKey(detail.vector)) ? .lost : .superseded
            return VersionHistoryItem(
                auditSeq: entry.seq, receivedAtMs: entry.atMs, node: entry.node, origin: detail.origin,
                actor: detail.actor, writtenAtMs: HLCTimestamp(packed: detail.hlc).wallMs, vector: detail.vector,
                operation: detail.op, valueSHA256: detail.valueSHA256, status: status)
        }
    }

    /// The versions among archived entries of one record (any order; kept oldest first), given the vectors
    /// visible now (from the hub's history: its `visible` items).
    public static func archived(_ entries: [AuditEntry], visibleVectors: Set<String>) -> [VersionHistoryItem] {
        items(AuditTable.details(of: entries.sorted { $0.seq < $1.seq }), visibleVectors: visibleVectors)
    }
}
