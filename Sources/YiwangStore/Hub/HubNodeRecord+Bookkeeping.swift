import GRDB
import YiwangCore

extension HubNodeRecord {
    /// The stored fields the hub's batch rules read and write (`BatchPlan`); the held figures are read from
    /// `held_changes`, not part of it.
    var bookkeeping: NodeBookkeeping {
        get {
            var node = NodeBookkeeping(id: id)
            node.highWater = highWater
            node.lastContactMs = lastContactMs
            node.dataAsOfMs = dataAsOfMs
            node.backlog = backlog
            node.oldestPendingMs = oldestPendingMs
            node.clockOffsetMs = clockOffsetMs
            node.changesApplied = changesApplied
            node.conflicts = conflicts
            node.rejectedBatches = rejectedBatches
            node.rejectedChanges = rejectedChanges
            node.lastError = lastError
            node.lastErrorAtMs = lastErrorAtMs
            node.quarantined = quarantined
            node.oldestQuarantinedMs = oldestQuarantinedMs
            return node
        }
        set {
            id = newValue.id
            highWater = newValue.highWater
            lastContactMs = newValue.lastContactMs
            dataAsOfMs = newValue.dataAsOfMs
            backlog = newValue.backlog
            oldestPendingMs = newValue.oldestPendingMs
            clockOffsetMs = newValue.clockOffsetMs
            changesApplied = newValue.changesApplied
            conflicts = newValue.conflicts
            rejectedBatches = newValue.rejectedBatches
            rejectedChanges = newValue.rejectedChanges
            lastError = newValue.lastError
            lastErrorAtMs = newValue.lastErrorAtMs
            quarantined = newValue.quarantined
            oldestQuarantinedMs = newValue.oldestQuarantinedMs
        }
    }

    /// The stored bookkeeping of `id`, or a new node's.
    static func bookkeeping(_ db: Database, id: String) throws -> NodeBookkeeping {
        try fetch(db, id: id)?.bookkeeping ?? NodeBookkeeping(id: id)
    }

    /// Stores `node` (a node the hub has never heard from gets its row).
    static func save(_ node: NodeBookkeeping, _ db: Database) throws {
        var record = HubNodeRecord(id: node.id)
        record.bookkeeping = node
        try record.save(db)
    }
}
