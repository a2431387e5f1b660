import Foundation
import GRDB
import Testing
import YiwangCore
import YiwangStore
import YiwangTesting

@Suite("Edge store")
struct EdgeStoreTests {
    @Test("a write updates the record and appends its outbox entry together", .timeLimit(.minutes(1)))
    func writeAndOutbox() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir)
            let version = try #require(try await store.apply(put("k1", "{\"a\":1}")))
            #expect(version.vector == VersionVector(["430100": 1]))
            #expect(version.origin == "430100")
            let state = try #require(try await store.record(dataset: "population", key: "k1"))
            #expect(state.winner == version)
            let entry = try #require(try await store.outboxEntry(seq: 1))
            #expect(entry.change.version == version)
            #expect(entry.status == .pending)
            let summary = try await store.summary()
            #expect(summary.backlog == 1 && summary.highestSeq == 1 && summary.ackedThrough == 0)

            let second = try #require(try await store.apply(put("k1", "{\"a\":2}")))
            #expect(second.vector == VersionVector(["430100": 2]))
            #expect(second.hlc > version.hlc)
        }
    }

    @Test(
        "a delete of a missing record writes nothing; a delete of a record writes a tombstone",
        .timeLimit(.minutes(1)))
    func deletes() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir)
            #expect(try await store.apply(.delete(dataset: "population", key: "nope", actor: "a")) == nil)
            #expect(try await store.summary().highestSeq == 0)
            _ = try await store.apply(put("k"))
            let tombstone = try #require(try await store.apply(.delete(dataset: "population", key: "k", actor: "a")))
            #expect(tombstone.isTombstone)
            #expect(try await store.record(dataset: "population", key: "k")?.isDeleted == true)
            #expect(try await store.apply(.delete(dataset: "population", key: "k", actor: "a")) == nil)
        }
    }

    @Test("sequence numbers continue across reopen", .timeLimit(.minutes(1)))
    func sequenceAcrossReopen() async throws {
        try await withTemporaryDirectory { dir in
            do {
                let store = try openStore(dir)
                for i in 0..<5 { _ = try await store.apply(put("k\(i)")) }
            }
            let reopened = try openStore(dir)
            let version = try #require(try await reopened.apply(put("k9")))
            #expect(version.vector.counter(for: "430100") == 6)
            #expect(try await reopened.summary().highestSeq == 6)
        }
    }

    @Test("the HLC never goes backwards across reopen, even when the wall clock does", .timeLimit(.minutes(1)))
    func hlcAcrossReopen() async throws {
        try await withTemporaryDirectory { dir in
            let clock = ManualClock(1_800_000_000_000)
            let first: Version
            do {
                let store = try openStore(dir, clock: clock)
                first = try #require(try await store.apply(put("a")))
            }
            clock.set(1_700_000_000_000)  // the machine's clock jumped back 3 years
            let reopened = try openStore(dir, clock: clock)
            let later = try #require(try await reopened.apply(put("b")))
            #expect(later.hlc > first.hlc)
        }
    }

    @Test("16 concurrent writers are all durable, with distinct consecutive sequences", .timeLimit(.minutes(1)))
    func groupCommit() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir)
            let versions = try await withThrowingTaskGroup(of: [Version].self) { group in
                for writer in 0..<16 {
                    group.addTask {
                        var mine: [Version] = []
                        for i in 0..<25 {
                            mine.append(try #require(try await store.apply(put("w\(writer)-\(i)"))))
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(versions.count == 400)
            let seqs = Set(versions.map { $0.vector.counter(for: "430100") })
            #expect(seqs == Set(1...400))
            let reopened = try openStore(dir)
            #expect(try await reopened.digest(dataset: "population").records == 400)
            let batch = try await reopened.nextBatch(from: 1, maxChanges: 1000, maxBytes: 1 << 30)
            #expect(batch.entries.map(\.seq) == Array(1...400))
            #expect(batch.backlog == 400)
        }
    }

    @Test("a bulk import is all-or-nothing and numbered consecutively", .timeLimit(.minutes(1)))
    func bulk() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir)
            let writes = (0..<2000).map { put("bulk-\($0)", "{\"i\":\($0)}") }
            let versions = try await store.apply(writes)
            #expect(versions.compactMap { $0 }.count == 2000)
            #expect(try await store.summary().highestSeq == 2000)
            #expect(try await store.digest(dataset: "population").records == 2000)
        }
    }

    @Test("a failing request in a group rolls back alone", .timeLimit(.minutes(1)))
    func failingRequestRollsBackAlone() async throws {
        try await withTemporaryDirectory { dir in
            let clock = ManualClock(1_700_000_000_000)
            let store = try openStore(dir, clock: clock)
            // A version from a node whose clock is an hour ahead makes a later local write refuse (clock ahead).
            _ = try await store.mergeRemote(
                Version(
                    dataset: "population", key: "future", vector: VersionVector(["other": 1]),
                    hlc: HLCTimestamp(wallMs: 1_700_000_000_000 + 3_600_000), origin: "other", actor: "x",
                    operation: .put, value: "{}"))
            await #expect(throws: YiwangError.self) {
                _ = try await store.apply([put("ok-1"), put("future")])
            }
            #expect(try await store.summary().highestSeq == 0)
            #expect(try await store.record(dataset: "population", key: "ok-1") == nil)
            #expect(try await store.apply(put("ok-2")) != nil)
            #expect(try await store.summary().highestSeq == 1)
        }
    }

    @Test("batches are consecutive and bounded by count and bytes", .timeLimit(.minutes(1)))
    func batchBounds() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir)
            let big = "{\"s\":\"" + String(repeating: "x", count: 1000) + "\"}"
            _ = try await store.apply((0..<50).map { put("b\($0)", big) })
            #expect(try await store.nextBatch(from: 1, maxChanges: 10, maxBytes: 1 << 20).entries.count == 10)
            let byBytes = try await store.nextBatch(from: 5, maxChanges: 100, maxBytes: 5000)
            #expect(byBytes.entries.map(\.seq) == [5, 6, 7, 8])
            #expect(byBytes.oldestAfterBatchMs != nil)
            #expect(try await store.nextBatch(from: 51, maxChanges: 10, maxBytes: 5000).entries.isEmpty)
        }
    }

    @Test("acknowledge, quarantine, requeue, rewind and prune", .timeLimit(.minutes(1)))
    func ackQuarantineRequeueRewind() async throws {
        try await withTemporaryDirectory { dir in
            let clock = ManualClock(1_700_000_000_000)
            let store = try openStore(dir, clock: clock)
            _ = try await store.apply((1...10).map { put("k\($0)") })
            let rejection = SyncAck.Rejection(seq: 4, error: "invalid_field", message: "bad key")
            try await store.applyAck(highWater: 6, rejected: [rejection], nowMs: clock.nowMs())
            var summary = try await store.summary()
            #expect(summary.ackedThrough == 6 && summary.backlog == 4 && summary.quarantined == 1)
            let quarantined = try await store.quarantined()
            #expect(quarantined.map(\.seq) == [4])
            #expect(quarantined[0].reason == "invalid_field: bad key")

            let newSeq = try await store.requeue(seq: 4)
            #expect(newSeq == 11)
            var requeued = quarantined[0].change.version
            requeued.vector = requeued.vector.setting("430100", to: 11)  // this node's counter is its sequence
            #expect(try await store.outboxEntry(seq: 11)?.change.version == requeued)
            #expect(try await store.outboxEntry(seq: 4)?.status == .requeued)
            await #expect(throws: YiwangError.self) { _ = try await store.requeue(seq: 4) }

            // The hub lost everything after 2 (restored from a backup): entries 3... are pending again.
            try await store.applyAck(highWater: 2, rejected: [], nowMs: clock.nowMs())
            summary = try await store.summary()
            #expect(summary.ackedThrough == 2)
            #expect(summary.backlog == 8)  // 3, 5...11 (4 stays requeued)
            #expect(try await store.nextBatch(from: 3, maxChanges: 100, maxBytes: 1 << 20).entries.first?.seq == 3)

            try await store.applyAck(highWater: 11, rejected: [], nowMs: clock.nowMs())
            #expect(try await store.prune(ackedBeforeMs: clock.nowMs()) == 0)  // within retention
            #expect(try await store.prune(ackedBeforeMs: clock.nowMs() + 1) == 10)
            #expect(try await store.summary().backlog == 0)
        }
    }

    @Test("the backlog count follows every status change and survives reopen", .timeLimit(.minutes(1)))
    func backlogCount() async throws {
        try await withTemporaryDirectory { dir in
            do {
                let store = try openStore(dir)
                _ = try await store.apply((1...5).map { put("k\($0)") })
                try await store.quarantine(seq: 2, reason: "refused whole")
                #expect(try await store.summary().backlog == 4)
                try await store.quarantine(seq: 2, reason: "again")  // already quarantined: no change
                #expect(try await store.summary().backlog == 4)
            }
            let store = try openStore(dir)
            #expect(try await store.summary().backlog == 4)
            #expect(try await store.nextBatch(from: 1, maxChanges: 10, maxBytes: 1 << 20).backlog == 4)
            try await store.applyAck(highWater: 5, rejected: [], nowMs: 1)
            #expect(try await store.summary().backlog == 0)
            _ = try await store.requeue(seq: 2)
            #expect(try await store.summary().backlog == 1)
            try await store.applyAck(highWater: 3, rejected: [], nowMs: 2)  // rewind: 4, 5, 6 pending again
            #expect(try await store.summary().backlog == 3)
        }
    }
}
