import Foundation
import GRDB
import YiwangCore

/// What a county's batch did at its relaying city.
public struct RelayReceived: Sendable, Hashable {
    /// The acknowledgement for the county (with `heldThrough`).
    public var ack: SyncAck
    /// New entries stored in the relay outbox (changes, refusals and skip marks).
    public var relayed: Int
    /// Versions that changed the city's replica (conflicts included).
    public var merged: Int
    /// Conflict records appended to the city's conflict log.
    public var conflicts: Int
    /// Resent sequences already held.
    public var duplicates: Int
}

/// One county's entries the province does not hold yet, for the forwarder (`relayhub`) to send on unchanged.
public struct RelayStream: Sendable, Hashable {
    /// One stored sequence of the origin.
    public struct Entry: Sendable, Hashable {
        public var seq: UInt64
        /// The change, exactly as the county sent it (nil for a skip mark).
        public var change: Change?
        /// The origin's signature bytes of the change, when it carries one (none until changes are signed).
        public var signature: [UInt8]?
        /// The county's skip mark for `seq`: it will never send it (`SkipMark`).
        public var skipReason: String?
        /// The city refused the change ("code: message"); forwarded all the same, for the hub's own verdict.
        public var cityRefusal: String?
    }

    /// The county (every change's origin).
    public var origin: String
    /// The first sequence of `entries`: the province's `heldThrough + 1`.
    public var fromSeq: UInt64
    /// Consecutive from `fromSeq`, at most the limit asked for.
    public var entries: [Entry]
    /// The county's last report as it sent it (nil before its first batch here), and when the city got it.
    public var report: NodeReport?
    public var receivedAtMs: Int64?
    /// The city's position for the origin (`highWater` relayed, `heldThrough` held by the province).
    public var position: RelayOrigin
}

/// One relayed origin in `GET /v1/status`.
public struct RelayOriginFigures: Sendable, Hashable {
    public var origin: String
    public var position: RelayOrigin
    /// Entries stored here that the province does not hold yet.
    public var backlog: UInt64
    /// When the county's last batch arrived (city clock); nil before the first.
    public var lastReceivedMs: Int64?
}

extension EdgeMeta {
    static let relaySubtree = "relay_subtree"
    static let relaySubtreeAtMs = "relay_subtree_at_ms"
}

extension EdgeStore {
    // MARK: - The subtree (county credentials)

    /// Stores the hub's answer to `GET /v1/relay/subtree` (already validated), replacing the previous one.
    public func storeRelaySubtree(_ subtree: RelaySubtree, receivedAtMs: Int64) async throws(YiwangError) {
        let text: String
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            text = String(decoding: try encoder.encode(subtree), as: UTF8.self)
        } catch {
            throw .storage("cannot encode the relay subtree: \(error)")
        }
        try await write { db in
            try EdgeMeta.set(db, EdgeMeta.relaySubtree, text)
            try EdgeMeta.set(db, EdgeMeta.relaySubtreeAtMs, receivedAtMs)
        }
    }

    /// The subtree as last stored, and when it arrived; nil when none ever was. A stored copy that no longer
    /// validates for this node is an error (never used half-read).
    public func storedRelaySubtree() throws(YiwangError) -> (subtree: RelaySubtree, receivedAtMs: Int64)? {
        let row = try readAtStart { db -> (String, Int64)? in
            guard let text = try EdgeMeta.text(db, EdgeMeta.relaySubtree) else { return nil }
            return (text, try EdgeMeta.int(db, EdgeMeta.relaySubtreeAtMs) ?? 0)
        }
        guard let (text, atMs) = row else { return nil }
        let decoded: RelaySubtree
        do {
            decoded = try JSONDecoder().decode(RelaySubtree.self, from: Data(text.utf8))
        } catch {
            throw .storage("the stored relay subtree does not decode: \(error)")
        }
        return (try decoded.validated(for: nodeID), atMs)
    }

    // MARK: - Receiving a county's batch

    /// Takes a batch from `county` (authenticated from the stored subtree) in ONE transaction: the plan
    /// (`RelayIntake`), every new entry stored in the relay outbox, each accepted change of a dataset in
    /// `replicaDatasets` merged into this city's replica with the province's policy (conflicts to the city's
    /// conflict log; never the city's own outbox), the county's report stored as sent with the receive time.
    /// A change whose vector goes backwards in this replica is refused as the hub would refuse it; one counting
    /// this city beyond its own outbox is relayed but not merged here.
    public func receiveRelayed(
        _ batch: SyncBatch, county: RelaySubtree.Node, replicaDatasets: Set<String>, maxClockAheadMs: Int64
    ) async throws(YiwangError) -> RelayReceived {
        let nowMs = wallClock.nowMs()
        let rules = HubBatchRules(
            policies: [:], grants: Set(county.datasets), nowMs: nowMs,
            limits: .init(maxClockAheadMs: maxClockAheadMs, maxHeldPerNode: 0, maxHeldBytesPerNode: 0))
        return try await write { db throws -> RelayReceived in
            let stored = try RelayTables.origin(db, county.id)
            var held: [UInt64: Version] = [:]
            if let first = batch.changes.first?.seq, first <= stored.highWater {
                let last = min(batch.changes.last?.seq ?? first, stored.highWater)
                held = try RelayTables.versions(db, origin: county.id, seqs: first...last)
            }
            var plan = try RelayIntake(batch: batch, county: county.id, origin: stored, held: held, rules: rules)
            var tally = try HubPageTally(db, nodeID: self.nodeID, nowMs: nowMs)
            for entry in plan.entries {
                guard case .change(let change) = entry, replicaDatasets.contains(change.version.dataset) else {
                    continue
                }
                let version = change.version
                guard tally.admits(version.vector) else { continue }
                let state = try RecordTable.load(db, dataset: version.dataset, key: version.key)
                if let state {
                    do throws(YiwangError) { try ChangeChecks.notBackwards(version, current: state) } catch {
                        plan.refuse(seq: change.seq, error)
                        continue
                    }
                }
                _ = try tally.merge(db, version, into: state, policy: self.policy(for: version.dataset), clock: self.clock)
            }
            for entry in plan.entries { try RelayTables.insert(db, origin: county.id, entry, atMs: nowMs) }
            try RelayTables.storePosition(db, county.id, plan.origin)
            try RelayTables.storeReport(db, county.id, batch.report, firstSeq: batch.firstSeq, atMs: nowMs)
            try EdgeMeta.set(db, EdgeMeta.lastHLC, self.clock.withLock { $0.last.packed })
            return RelayReceived(
                ack: plan.ack, relayed: plan.entries.count, merged: tally.applied, conflicts: tally.conflicts,
                duplicates: plan.duplicates)
        }
    }

    // MARK: - The forwarder's side (issue 16, `relayhub`)

    /// Every origin with entries the province does not hold yet: from `heldThrough + 1`, at most
    /// `maxEntries` each, in sequence order, with the county's stored report and its receive time. The
    /// forwarder ships them upstream unchanged (origin, the origin's seq, vector, HLC, actor, signature) and
    /// then calls `relayProvinceHolds` with the hub's high water for each origin.
    public func pendingRelayStreams(maxEntries: Int = 5_000) async throws(YiwangError) -> [RelayStream] {
        try await read { db in
            var streams: [RelayStream] = []
            let origins = try Row.fetchAll(db, sql: "SELECT * FROM relay_origins ORDER BY origin")
            for row in origins {
                let origin: String = row["origin"]
                let position = RelayOrigin(
                    highWater: UInt64(clamping: max(0, row["high_water"] as Int64)),
                    heldThrough: UInt64(clamping: max(0, row["held_through"] as Int64)))
                let entries = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT * FROM relay_outbox WHERE origin = ? AND seq > ? ORDER BY seq LIMIT ?
                        """,
                    arguments: [origin, Int64(clamping: position.heldThrough), max(1, maxEntries)]
                ).map { row throws -> RelayStream.Entry in
                    let seq = UInt64(clamping: max(0, row["seq"] as Int64))
                    let kind: String = row["kind"]
                    let signature = (row["signature"] as Data?).map { [UInt8]($0) }
                    if kind == "skip" || kind == "refused" {  // "refused": rows stored before refusals were skips
                        return .init(seq: seq, change: nil, signature: nil, skipReason: row["reason"], cityRefusal: nil)
                    }
                    let change = Change(seq: seq, version: try RelayTables.version(from: row, origin: origin))
                    return .init(seq: seq, change: change, signature: signature, skipReason: nil,
                        cityRefusal: kind == "refused" ? row["reason"] : nil)
                }
                guard !entries.isEmpty else { continue }
                streams.append(
                    RelayStream(
                        origin: origin, fromSeq: position.heldThrough.saturatingAdd(1), entries: entries,
                        report: RelayTables.report(from: row), receivedAtMs: row["received_at_ms"], position: position))
            }
            return streams
        }
    }

    /// The province now holds `origin` through `seq` (the hub's high water for it, from the forwarder): the
    /// next acknowledgement to that county carries `heldThrough` = `seq` (so it may prune), and the relay
    /// outbox forgets the origin's entries through `seq`. A hub that holds more than the city relayed (the city
    /// lost its disk) raises the city's high water too. Returns the origin's new position.
    @discardableResult
    public func relayProvinceHolds(origin: String, through seq: UInt64) async throws(YiwangError) -> RelayOrigin {
        try Validation.nodeID(origin, field: "origin")
        return try await write { db in
            let position = try RelayTables.origin(db, origin).raised(heldThrough: seq)
            try RelayTables.storePosition(db, origin, position)
            try db.execute(
                sql: "DELETE FROM relay_outbox WHERE origin = ? AND seq <= ?",
                arguments: [origin, Int64(clamping: position.heldThrough)])
            return position
        }
    }

    /// Each relayed origin's position and backlog (entries not yet held by the province), for the status.
    public func relayFigures() async throws(YiwangError) -> [RelayOriginFigures] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT o.origin, o.high_water, o.held_through, o.received_at_ms,
                        (SELECT COUNT(*) FROM relay_outbox r WHERE r.origin = o.origin AND r.seq > o.held_through)
                            AS backlog
                    FROM relay_origins o ORDER BY o.origin
                    """
            ).map { row in
                RelayOriginFigures(
                    origin: row["origin"],
                    position: RelayOrigin(
                        highWater: UInt64(clamping: max(0, row["high_water"] as Int64)),
                        heldThrough: UInt64(clamping: max(0, row["held_through"] as Int64))),
                    backlog: UInt64(clamping: max(0, row["backlog"] as Int64)), lastReceivedMs: row["received_at_ms"])
            }
        }
    }
}
