import GRDB
import YiwangCore

extension EdgeMeta {
    /// Pages of the snapshot in progress applied so far (counted after each page's own transaction).
    static let snapshotPages = "snapshot_pages"
}

/// What the node's status shows of its snapshot bootstrap beside the progress `applySnapshotPage` stores.
extension EdgeStore {
    /// Counts one applied snapshot page; `first`: the snapshot's first page (the count starts again at 1).
    public func noteSnapshotPage(first: Bool) async throws(YiwangError) {
        try await write { db in
            let pages = first ? 0 : max(0, try EdgeMeta.int(db, EdgeMeta.snapshotPages) ?? 0)
            try EdgeMeta.set(db, EdgeMeta.snapshotPages, pages.saturatingAdd(1))
        }
    }

    static func snapshotPages(_ db: Database) throws -> Int64 {
        try snapshotProgress(db) == nil ? 0 : max(0, try EdgeMeta.int(db, EdgeMeta.snapshotPages) ?? 0)
    }

    static func snapshotPending(_ db: Database) throws -> Bool {
        let cursor = try EdgeMeta.int(db, EdgeMeta.downlinkCursor) ?? 0
        let done = try EdgeMeta.int(db, EdgeMeta.snapshotDone) ?? 0
        return cursor == 0 && done == 0
    }
}
