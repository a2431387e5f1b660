import Foundation
import GRDB
import Logging
import YiwangCore

/// The province hub's database: every node's merged records, the conflict log, and per-node sync state,
/// in one SQLite file (`hub.sqlite`, WAL, `synchronous=FULL` so an acknowledged batch survives power loss).
public final class HubStore: Sendable {
    /// How far ahead of the hub's clock a change's HLC may be before it is refused.
    public static let defaultMaxClockAheadMs: Int64 = 5 * 60 * 1000

    public let path: String
    let pool: DatabasePool
    let logger: Logger
    let maxClockAheadMs: Int64

    /// Opens (creating if needed) `directory/hub.sqlite` and brings its schema up to date.
    public init(directory: String, maxClockAheadMs: Int64 = HubStore.defaultMaxClockAheadMs, logger: Logger) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = (directory as NSString).appendingPathComponent("hub.sqlite")
        pool = try DatabasePool(path: path, configuration: StorePragmas.configuration(.hub))
        self.logger = logger
        self.maxClockAheadMs = maxClockAheadMs
        try HubSchema.migrator.migrate(pool)
    }

    /// Applies a node's batch in one write transaction and returns the acknowledgement with what it did.
    /// `grants` are the datasets the topology grants to `batch.node`; `policies` each dataset's merge policy;
    /// `scope` the nodes a vector may count (the topology; `.open` checks only the sender and high waters).
    public func apply(
        batch: SyncBatch, policies: [String: MergePolicy], grants: Set<String>, nowMs: Int64,
        scope: ClaimScope = .open
    ) async throws -> BatchOutcome {
        let limits = BatchApplier.Limits(maxClockAheadMs: maxClockAheadMs)
        let outcome = try await pool.write { db in
            var applier = BatchApplier(
                batch: batch, policies: policies, grants: grants, nowMs: nowMs, limits: limits, scope: scope)
            return try applier.run(db)
        }
        log(outcome, batch: batch)
        return outcome
    }

    /// The same as `apply`, blocking the calling thread (for benchmarks and tools).
    public func applySync(
        batch: SyncBatch, policies: [String: MergePolicy], grants: Set<String>, nowMs: Int64,
        scope: ClaimScope = .open
    ) throws -> BatchOutcome {
        let limits = BatchApplier.Limits(maxClockAheadMs: maxClockAheadMs)
        let outcome = try pool.write { db in
            var applier = BatchApplier(
                batch: batch, policies: policies, grants: grants, nowMs: nowMs, limits: limits, scope: scope)
            return try applier.run(db)
        }
        log(outcome, batch: batch)
        return outcome
    }

    /// Records a batch refused as a whole (undecodable, oversized, ...) from a known node: counts it, keeps the
    /// error for the report, and notes the contact. Nothing of the batch is applied.
    public func recordRejectedBatch(node: String, error: YiwangError, nowMs: Int64) async throws {
        try await pool.write { db in
            var record = try HubNodeRecord.fetch(db, id: node) ?? HubNodeRecord(id: node)
            record.rejectedBatches += 1
            record.lastContactMs = nowMs
            record.lastError = error.description
            record.lastErrorAtMs = nowMs
            try record.save(db)
            var audit = try AuditWriter(db)
            try audit.append(
                db, atMs: nowMs, kind: "reject_batch", node: node, detail: AuditDetail.refusal(error))
        }
        logger.warning(
            "batch rejected", metadata: ["yiwang.node": "\(node)", "yiwang.error": "\(error.code)"])
    }

    private func log(_ outcome: BatchOutcome, batch: SyncBatch) {
        var metadata: Logger.Metadata = [
            "yiwang.node": "\(batch.node)", "yiwang.batch.seq": "\(batch.firstSeq)",
            "yiwang.batch.changes": "\(batch.changes.count)", "yiwang.applied": "\(outcome.applied)",
            "yiwang.high_water": "\(outcome.ack.highWater)",
        ]
        if let expected = outcome.ack.expectedSeq {
            metadata["yiwang.expected_seq"] = "\(expected)"
            logger.notice("batch gap", metadata: metadata)
        } else {
            logger.debug("batch applied", metadata: metadata)
        }
        for rejection in outcome.ack.rejected {
            logger.warning(
                "change rejected",
                metadata: [
                    "yiwang.node": "\(batch.node)", "yiwang.batch.seq": "\(rejection.seq)",
                    "yiwang.error": "\(rejection.error)",
                ])
        }
    }
}

/// What applying one batch did, beyond the acknowledgement sent back to the node.
public struct BatchOutcome: Sendable, Hashable {
    public var ack: SyncAck
    /// Changes that changed the hub's state (including conflicts).
    public var applied: Int
    /// Changes already held (resent) or obsolete.
    public var duplicates: Int
    /// Conflict records appended to the conflict log.
    public var conflicts: Int
}
