import GRDB
import YiwangCore

extension HubNodeRecord {
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
