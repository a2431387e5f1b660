import GRDB
import YiwangCore

extension EdgeStore {
    /// Applies one local write and appends its outbox entry in one durable transaction (shared with any
    /// concurrent writers). Returns nil for a delete of a record that does not exist or is already deleted.
    public func apply(_ write: LocalWrite) async throws(YiwangError) -> Version? {
        try await apply([write])[0]
    }

    /// Applies writes all-or-nothing (a bulk import) in one durable transaction. The result holds one
    /// element per write: its new version, or nil for a delete of a missing record (nothing written).
    public func apply(_ writes: [LocalWrite]) async throws(YiwangError) -> [Version?] {
        guard !writes.isEmpty else { return [] }
        guard let group = writeGroup.withLock({ $0 }) else { throw .unavailable("edge store is closed") }
        let result = await group.submit(writes)
        if case .success = result { commitBell.ring() }
        return try result.get()
    }

    /// Commits a group of requests in one transaction, each in its own savepoint so that one failing request
    /// (e.g. a clock far ahead) leaves the others' writes in place.
    func commitGroup(_ requests: [[LocalWrite]]) async -> [Result<[Version?], YiwangError>] {
        do {
            return try await groupWrite { db in
                var highest = UInt64(clamping: try EdgeMeta.int(db, EdgeMeta.highestSeq) ?? 0)
                let startHighest = highest
                // The outbox chain's head, carried from entry to entry instead of read back for each one.
                var chainHead = try OutboxChain.previous(db, before: highest + 1)
                var results: [Result<[Version?], YiwangError>] = []
                results.reserveCapacity(requests.count)
                for request in requests {
                    var versions: [Version?] = []
                    var next = highest
                    var head = chainHead
                    do {
                        try db.inSavepoint {
                            let now = self.wallClock.nowMs()
                            // A bulk request reads its records' states with a few IN queries, not one per line;
                            // the prefetch lives in this savepoint, so a request rolled back leaves no trace in it.
                            var states = request.count > 1
                                ? try RecordPrefetch(db, keys: request.lazy.map { ($0.dataset, $0.key) }) : nil
                            for write in request {
                                let version = try self.applyLocal(
                                    db, write, seq: next + 1, nowMs: now, chain: &head, states: &states)
                                versions.append(version)
                                if version != nil { next += 1 }
                            }
                            return .commit
                        }
                        highest = next
                        chainHead = head  // a request rolled back leaves the head where it was
                        results.append(.success(versions))
                    } catch let error as YiwangError {
                        results.append(.failure(error))
                    } catch {
                        results.append(.failure(.storage("local write failed: \(error)")))
                    }
                }
                try EdgeMeta.set(db, EdgeMeta.highestSeq, Int64(highest))
                try PendingCounter.add(db, Int(highest - startHighest))
                try EdgeMeta.set(db, EdgeMeta.lastHLC, self.clock.withLock { $0.last.packed })
                return results
            }
        } catch {
            return requests.map { _ in .failure(error) }
        }
    }

    /// A write transaction that the caller's task cancellation cannot interrupt: the leader of a group commits
    /// other callers' writes too, so its own client going away must not fail theirs.
    func groupWrite<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(YiwangError)
        -> T
    {
        let result: Result<T, any Error> = await withCheckedContinuation { continuation in
            pool.asyncWrite(body) { _, result in continuation.resume(returning: result) }
        }
        do {
            return try result.get()
        } catch let error as YiwangError {
            throw error
        } catch {
            throw .storage("edge store write failed: \(error)")
        }
    }

    /// One local write inside the group's transaction: new vector (this node's entry set to `seq`), an HLC
    /// after the current winner's, merged through `RecordTable.merge`, and the outbox entry.
    func applyLocal(
        _ db: Database, _ write: LocalWrite, seq: UInt64, nowMs: Int64, chain: inout AuditHash,
        states: inout RecordPrefetch?
    ) throws -> Version? {
        let state = try states.map { $0.state(dataset: write.dataset, key: write.key) }
            ?? RecordTable.load(db, dataset: write.dataset, key: write.key)
        if write.operation == .delete && (state == nil || state!.isDeleted) { return nil }
        let vector = (state?.vector ?? VersionVector()).setting(nodeID, to: seq)
        let observed = state?.visible.map(\.hlc).max() ?? .zero
        let hlc = try clock.withLock { clock throws(YiwangError) in try clock.tick(after: observed, wallMs: nowMs) }
        let version = Version(
            dataset: write.dataset, key: write.key, vector: vector, hlc: hlc, origin: nodeID, actor: write.actor,
            operation: write.operation, value: write.value)
        let outcome = try RecordTable.merge(db, version, into: state, policy: policy(for: write.dataset))
        guard case .applied(let newState, _) = outcome else {
            throw YiwangError.storage("a local write did not dominate the stored state of its record")
        }
        states?.update(dataset: write.dataset, key: write.key, to: newState)
        chain = try OutboxTable.insert(db, Change(seq: seq, version: version), committedAtMs: nowMs, prev: chain)
        return version
    }
}

extension EdgeStore {
    /// Merges a version from another replica (the hub's downlink) through `RecordTable.merge`, logging any
    /// conflict; it is not added to this node's outbox. The clock observes its HLC unless that is too far ahead
    /// (a later local write to that record is then refused as `clock_ahead` until the wall clock catches up).
    @discardableResult
    public func mergeRemote(_ version: Version) async throws(YiwangError) -> MergeOutcome {
        let nowMs = wallClock.nowMs()
        _ = clock.withLock { clock in try? clock.receive(version.hlc, wallMs: nowMs) }
        return try await write { db in
            let outcome = try RecordTable.merge(db, version, policy: self.policy(for: version.dataset))
            if case .conflict(_, let conflicts) = outcome {
                for conflict in conflicts { try ConflictTable.append(db, conflict, atMs: nowMs) }
            }
            try EdgeMeta.set(db, EdgeMeta.lastHLC, self.clock.withLock { $0.last.packed })
            return outcome
        }
    }
}
