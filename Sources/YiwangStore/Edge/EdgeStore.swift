import Foundation
import GRDB
import Logging
import Synchronization
import YiwangCore

/// The edge node's one SQLite file (`DATA_DIR/edge.sqlite`, WAL, `synchronous=FULL`): its records, conflict
/// log, outbox and sync cursors. Local writes are group-committed: a write and its outbox entry commit in one
/// transaction, and the caller is answered only after that commit is durable.
public final class EdgeStore: Sendable {
    /// The node this store belongs to (the origin of its local versions).
    public let nodeID: String
    let pool: DatabasePool
    let logger: Logger
    let wallClock: any WallClock
    /// The node's hybrid logical clock; its last reading is persisted with every write.
    let clock: Mutex<HybridLogicalClock>
    /// How each dataset resolves concurrent versions: the province's, set by the application from the grants
    /// (`usePolicies`) before the downlink merges anything; a local write dominates its record and uses none.
    let policies: Mutex<[String: MergePolicy]>
    let writeGroup: Mutex<GroupCommit<[LocalWrite], Result<[Version?], YiwangError>>?> = Mutex(nil)
    /// Rung after every commit that appended outbox entries, so the uplink wakes up.
    public let commitBell = Doorbell()
    /// Rung when the downlink cursor is reset, so a long-poll in flight is abandoned and restarted from 0.
    public let downlinkBell = Doorbell()

    /// Opens (creating if needed) `directory/edge.sqlite` and runs the migrations.
    public init(
        directory: String, nodeID: String, policies: [String: MergePolicy] = [:],
        wallClock: any WallClock = EdgeWallClock(),
        logger: Logger
    ) throws(YiwangError) {
        self.nodeID = nodeID
        self.logger = logger
        self.wallClock = wallClock
        self.policies = Mutex(policies)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let path = (directory as NSString).appendingPathComponent("edge.sqlite")
            pool = try DatabasePool(path: path, configuration: StorePragmas.configuration(.edge))
            try Self.migrator.migrate(pool)
            try pool.write { db in try PendingCounter.ensure(db) }
            let last = try pool.read { db in
                max(
                    try EdgeMeta.int(db, EdgeMeta.lastHLC) ?? 0,
                    try Int64.fetchOne(db, sql: "SELECT MAX(hlc) FROM outbox") ?? 0)
            }
            clock = Mutex(HybridLogicalClock(last: HLCTimestamp(packed: last)))
        } catch let error as YiwangError {
            throw error
        } catch {
            throw .storage("cannot open the edge store in \(directory): \(error)")
        }
        let group = GroupCommit<[LocalWrite], Result<[Version?], YiwangError>> { [unowned self] requests in
            await self.commitGroup(requests)
        }
        writeGroup.withLock { $0 = group }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try RecordTable.createTable(db)
            try ConflictTable.createTable(db)
            try OutboxTable.createTable(db)
            try EdgeMeta.createTable(db)
        }
        migrator.registerMigration("v2-outbox-chain") { db in try OutboxChain.migrate(db) }
        migrator.registerMigration("v3-quarantine-drops") { db in try QuarantineDropLog.createTable(db) }
        migrator.registerMigration("v3-outbox-ledger") { db in
            try OutboxLedger.migrate(db, nowMs: EdgeWallClock().nowMs())
        }
        migrator.registerMigration("v4-conflict-retention") { db in try ConflictTable.createRetentionIndex(db) }
        migrator.registerMigration("v5-replica-positions") { db in try ReplicaPositionTable.createTable(db) }
        migrator.registerMigration("v6-relay") { db in try RelayTables.createTables(db) }
        migrator.registerMigration("v7-upstream-positions") { db in try UpstreamPositionTable.createTable(db) }
        // A file with a ledger from seq 1 and no anchor: its first prune folds the ledger from the start.
        migrator.registerMigration("v8-ledger-anchor") { db in try LedgerAnchorTable.createTable(db) }
        return migrator
    }

    /// The policy merges of `dataset` use; `lww` only for a dataset no policy was given for (a store used
    /// without the application's grants, as in tests: the edge's downlink never merges such a dataset).
    func policy(for dataset: String) -> MergePolicy { policies.withLock { $0[dataset] } ?? .lww }

    /// Replaces the merge policies (the province's, whenever its grants change).
    public func usePolicies(_ policies: [String: MergePolicy]) {
        self.policies.withLock { $0 = policies }
    }

    /// The stored state of one record, or nil.
    public func record(dataset: String, key: String) async throws(YiwangError) -> RecordState? {
        try await read { db in try RecordTable.load(db, dataset: dataset, key: key) }
    }

    /// The order-independent digest of a dataset, computed as the hub computes it.
    public func digest(dataset: String) async throws(YiwangError) -> DatasetDigest {
        try await read { db in try RecordTable.digest(db, dataset: dataset) }
    }

    /// The current HLC reading (for reports).
    public var currentHLC: HLCTimestamp { clock.withLock { $0.last } }

    /// A read that blocks its thread: only for what a node reads once at start-up, before it serves
    /// (the clock reference, the stored grants).
    func readAtStart<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws(YiwangError) -> T {
        do {
            return try pool.read(body)
        } catch let error as YiwangError {
            throw error
        } catch {
            throw .storage("edge store read failed: \(error)")
        }
    }

    /// A read on GRDB's reader queue, awaited: the caller's cooperative thread is not blocked meanwhile.
    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws(YiwangError) -> T {
        do {
            return try await pool.read(body)
        } catch let error as YiwangError {
            throw error
        } catch {
            throw .storage("edge store read failed: \(error)")
        }
    }

    func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws(YiwangError) -> T {
        do {
            return try await pool.write(body)
        } catch let error as YiwangError {
            throw error
        } catch {
            throw .storage("edge store write failed: \(error)")
        }
    }
}

/// The system wall clock, as the edge reads it.
public struct EdgeWallClock: WallClock {
    public init() {}
    public func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}
