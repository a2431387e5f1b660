import GRDB
import YiwangCore

/// What the node's status shows of its snapshot bootstrap (the progress `applySnapshotPage` stores).
extension EdgeStore {
    static func snapshotPages(_ db: Database) throws -> Int64 {
        try snapshotProgress(db) == nil ? 0 : max(0, try EdgeMeta.int(db, EdgeMeta.snapshotPages) ?? 0)
    }

    static func snapshotPending(_ db: Database) throws -> Bool {
        let cursor = try EdgeMeta.int(db, EdgeMeta.downlinkCursor) ?? 0
        let done = try EdgeMeta.int(db, EdgeMeta.snapshotDone) ?? 0
        return cursor == 0 && done == 0
    }
}
