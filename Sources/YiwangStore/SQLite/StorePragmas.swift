import GRDB

/// The pragmas every Yiwang SQLite file is opened with, in one place so the benchmark's raw-SQLite limits use
/// exactly the same ones.
public enum StorePragmas {
    /// Which store a file belongs to: they differ only in the writer's page cache.
    public enum Role: Sendable {
        /// The province hub: a batch of 1,000 random keys touches ~1,000 leaf pages, and SQLite's default 2 MB
        /// cache re-read them from the OS on every batch; 64 MB keeps the hot pages (RSS target 256 MB).
        case hub
        /// A city or county node: its RSS target is 64 MB with a million changes pending, so SQLite's default
        /// (2 MB; 8 MB measured 73 MB RSS with the million pending).
        case edge

        var writerCacheKiB: Int {
            switch self {
            case .hub: 65_536
            case .edge: 2_000
            }
        }
    }

    /// WAL pages before an automatic checkpoint: 1,000-change batches dirty ~1,000 pages each, so the default
    /// (1,000) checkpointed after nearly every commit, copying the same hot pages to the database again and again.
    public static let walAutocheckpointPages = 8_192

    /// Durable commits (`synchronous=FULL`); the writer also gets its role's cache and the checkpoint interval.
    public static func apply(_ db: Database, role: Role) throws {
        try db.execute(sql: "PRAGMA synchronous = FULL")
        if !db.configuration.readonly {
            if role == .hub {
                // Pruned audit rows give their pages back (`HubStore.reclaimFreePages`). SQLite takes this only
                // before the first table exists: a new file gets it, an older one keeps its mode until one
                // `VACUUM` (`HubStore.enableIncrementalVacuum`, README "Audit archives").
                try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            }
            try db.execute(sql: "PRAGMA cache_size = -\(role.writerCacheKiB)")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(walAutocheckpointPages)")
        }
    }

    /// A GRDB configuration with these pragmas and the stores' busy timeout.
    public static func configuration(_ role: Role) -> Configuration {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try apply(db, role: role) }
        configuration.busyMode = .timeout(10)
        return configuration
    }
}
