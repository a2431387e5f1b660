import Foundation
import Testing
import YiwangCore
import YiwangStore
import YiwangTesting

/// Issue 13, classes 3 and 11 at the edge: a version from the hub counting this node beyond its own outbox
/// is refused; sequences the hub reports reused are re-issued above its high water.
@Suite struct EdgeClaimsTests {
    static func remote(key: String, vector: [String: UInt64], origin: String = "430200") -> Version {
        Version(
            dataset: "population", key: key, vector: VersionVector(vector), hlc: HLCTimestamp(wallMs: 1_000),
            origin: origin, actor: "clerk", operation: .put, value: #"{"from":"province"}"#)
    }

    @Test(.timeLimit(.minutes(1))) func aVersionCountingThisNodeBeyondItsOutboxIsRefused() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir)  // node 430100
            _ = try await store.apply([put("a"), put("b")])  // this node wrote through seq 2
            let honest = Self.remote(key: "h", vector: ["430100": 2, "430200": 1])
            let lying = Self.remote(key: "k", vector: ["430100": 1 << 40, "430200": 2])
            let applied = try #require(try await store.applyDownlink([honest, lying], from: 0, to: 2, head: 2))
            #expect(applied.applied == 1 && applied.refused == 1)
            #expect(try await store.record(dataset: "population", key: "k") == nil)
            #expect(try await store.record(dataset: "population", key: "h") != nil)
            #expect(try await store.downlinkSummary().lastError?.contains("beyond its own outbox") == true)

            // The lie would have made this node's next write of k look obsolete to everyone who merged it.
            let write = try #require(try await store.apply(put("k", #"{"from":"city"}"#)))
            #expect(write.vector == VersionVector(["430100": 3]))
        }
    }

    @Test(.timeLimit(.minutes(1))) func reusedSequencesAreReissuedAboveTheHubsHighWater() async throws {
        try await withTemporaryDirectory { dir in
            let clock = ManualClock(1_700_000_000_000)
            let store = try openStore(dir, clock: clock)
            // Written after a restore: seqs 2...4, while the hub holds 1...6 of the node's earlier life.
            _ = try await store.apply([put("a"), put("x", #"{"n":1}"#), put("x", #"{"n":2}"#), put("y")])
            try await store.applyAck(highWater: 1, rejected: [], nowMs: clock.nowMs())
            let outcome = try await store.reissue(reused: [2, 3, 4], batchLastSeq: 4, hubHighWater: 6)
            #expect(outcome.superseded == [2])  // x@2 was overwritten here by x@3: its state travels as x@3
            #expect(outcome.reissued == [3: 7, 4: 8])
            #expect(outcome.ackThrough == 6)
            let x = try #require(try await store.outboxEntry(seq: 7)?.change.version)
            #expect(x.key == "x" && x.value == #"{"n":2}"# && x.vector == VersionVector(["430100": 7]))
            #expect(try await store.record(dataset: "population", key: "x")?.winner == x)
            #expect(try await store.outboxEntry(seq: 3)?.status == .requeued)
            #expect(try await store.summary().highestSeq == 8)

            try await store.applyAck(highWater: 6, rejected: [], nowMs: clock.nowMs())
            #expect(try await store.summary().backlog == 2)  // 7 and 8, still to send
            #expect(try await store.nextBatch(from: 7, maxChanges: 10, maxBytes: 1 << 20).entries.map(\.seq) == [7, 8])
            // Idempotent: the same answer again changes nothing.
            let again = try await store.reissue(reused: [2, 3, 4], batchLastSeq: 4, hubHighWater: 6)
            #expect(again.reissued.isEmpty)
            #expect(try await store.summary().highestSeq == 8)
            #expect(try AuditFile.verify(path: dir.path + "/edge.sqlite").1.isIntact)
        }
    }
}
