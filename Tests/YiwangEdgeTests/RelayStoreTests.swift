import Foundation
import Testing
import YiwangCore
import YiwangStore
import YiwangTesting

/// A city's relay store (issue 16, "Up"): a county's batch into the relay outbox and the city's replica in one
/// transaction, and the county's outbox kept until the province holds its changes. Real SQLite files.
@Suite struct RelayStoreTests {
    static let city = "430100"
    static let county = RelaySubtree.Node(
        id: "430121", parent: "430100", datasets: ["population", "finance"], credentials: [])
    static let other = RelaySubtree.Node(id: "430122", parent: "430100", datasets: ["population"], credentials: [])
    static let now: Int64 = 1_800_000_000_000

    struct Clock: WallClock { func nowMs() -> Int64 { RelayStoreTests.now } }

    static func version(_ origin: String, _ counter: UInt64, key: String, dataset: String = "population",
        extra: [String: UInt64] = [:], hlcMs: Int64 = now - 1_000) -> Version
    {
        var pairs = extra
        pairs[origin] = counter
        return Version(
            dataset: dataset, key: key, vector: VersionVector(pairs), hlc: HLCTimestamp(wallMs: hlcMs), origin: origin,
            actor: "clerk-7", operation: .put, value: #"{"n":\#(counter)}"#)
    }

    static func batch(_ changes: [Change], firstSeq: UInt64? = nil, from node: String = county.id) -> SyncBatch {
        SyncBatch(
            node: node, firstSeq: firstSeq ?? changes.first?.seq ?? 1,
            report: NodeReport(
                backlog: UInt64(changes.count), oldestPendingMs: now - 5_000, oldestAfterBatchMs: nil,
                clockMs: now - 20, hlc: HLCTimestamp(wallMs: now - 20)),
            changes: changes)
    }

    static func changes(_ origin: String = county.id, from first: UInt64 = 1, count: Int) -> [Change] {
        (0..<count).map { i in
            let seq = first + UInt64(i)
            return Change(seq: seq, version: version(origin, seq, key: "k\(seq)"))
        }
    }

    static func receive(
        _ store: EdgeStore, _ batch: SyncBatch, county: RelaySubtree.Node = county,
        replica: Set<String> = ["population"]
    ) async throws -> RelayReceived {
        try await store.receiveRelayed(batch, county: county, replicaDatasets: replica, maxClockAheadMs: 300_000)
    }

    @Test(.timeLimit(.minutes(1))) func changesLandInTheRelayOutboxAndTheReplicaButNotTheCitysOwnOutbox()
        async throws
    {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir, node: Self.city, clock: Clock())
            let received = try await Self.receive(store, Self.batch(Self.changes(count: 3)))
            #expect(received.ack.highWater == 3 && received.ack.heldThrough == 0 && received.ack.expectedSeq == nil)
            #expect(received.relayed == 3 && received.merged == 3)
            let record = try #require(try await store.record(dataset: "population", key: "k2"))
            #expect(record.winner.origin == Self.county.id && record.winner.vector.counter(for: Self.county.id) == 2)
            // The city's own outbox holds only its own writes: none.
            let summary = try await store.summary()
            #expect(summary.backlog == 0 && summary.highestSeq == 0)
            #expect(try await store.outboxEntry(seq: 1) == nil)
            // The forwarder's view: every entry unchanged, with the county's report and the receive time.
            let streams = try await store.pendingRelayStreams()
            #expect(streams.count == 1)
            let stream = try #require(streams.first)
            #expect(stream.origin == Self.county.id && stream.fromSeq == 1 && stream.receivedAtMs == Self.now)
            #expect(stream.entries.map(\.change) == Self.changes(count: 3).map(Optional.some))
            #expect(stream.report?.backlog == 3 && stream.report?.clockMs == Self.now - 20)
            #expect(stream.report?.oldestPendingMs == Self.now - 5_000)
        }
    }

    @Test(.timeLimit(.minutes(1))) func aResendIsHarmlessAndAGapGetsTheExpectedSequence() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir, node: Self.city, clock: Clock())
            _ = try await Self.receive(store, Self.batch(Self.changes(count: 2)))
            let digest = try await store.digest(dataset: "population")
            let again = try await Self.receive(store, Self.batch(Self.changes(count: 2)))
            #expect(again.ack.highWater == 2 && again.relayed == 0 && again.duplicates == 2 && again.merged == 0)
            #expect(try await store.digest(dataset: "population") == digest)
            #expect(try await store.pendingRelayStreams().first?.entries.count == 2)
            // Sequence 5 after 2: nothing taken, the county is told to resend from 3.
            let gap = try await Self.receive(store, Self.batch(Self.changes(from: 5, count: 1)))
            #expect(gap.ack.expectedSeq == 3 && gap.ack.highWater == 2 && gap.relayed == 0)
            #expect(try await store.record(dataset: "population", key: "k5") == nil)
        }
    }

    @Test(.timeLimit(.minutes(1))) func aForeignOriginAndAnUngrantedDatasetAreRefusedNotMerged() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir, node: Self.city, clock: Clock())
            // County 430121 uploads a change claiming to come from county 430122, and one of a dataset not its.
            let forged = Change(seq: 1, version: Self.version(Self.other.id, 1, key: "forged"))
            let ungranted = Change(seq: 2, version: Self.version(Self.county.id, 2, key: "e", dataset: "education"))
            let received = try await Self.receive(
                store, Self.batch([forged, ungranted]), replica: ["population", "education"])
            #expect(received.ack.rejected.map(\.seq) == [1, 2] && received.ack.highWater == 2 && received.merged == 0)
            #expect(received.ack.rejected.map(\.error) == ["forbidden", "unknown_dataset"])
            #expect(try await store.record(dataset: "population", key: "forged") == nil)
            #expect(try await store.record(dataset: "education", key: "e") == nil)
            // Relayed as skip marks only, never as content re-labelled as the county's: the hub records the
            // refusals and its high water passes them, as the county's quarantine expects.
            let entries = try #require(try await store.pendingRelayStreams().first).entries
            #expect(entries.allSatisfy { $0.change == nil })
            #expect(entries[0].skipReason?.hasPrefix("refused by the relay: forbidden") == true)
            #expect(entries[1].skipReason?.hasPrefix("refused by the relay: unknown_dataset") == true)
            // A batch naming another node is refused whole, and changes nothing.
            await #expect(throws: YiwangError.self) {
                _ = try await Self.receive(store, Self.batch(Self.changes(Self.other.id, count: 1), from: Self.other.id))
            }
            #expect(try await store.relayFigures().map(\.origin) == [Self.county.id])
        }
    }

    @Test(.timeLimit(.minutes(1))) func concurrentVersionsGoToTheCitysConflictLog() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir, node: Self.city, clock: Clock())
            _ = try await store.apply(put("shared", #"{"by":"city"}"#))  // the city's own write: {430100: 1}
            let county = Change(seq: 1, version: Self.version(Self.county.id, 1, key: "shared"))
            let received = try await Self.receive(store, Self.batch([county]))
            #expect(received.conflicts == 1 && received.merged == 1)
            #expect(try await store.conflictCount() == 1)
            #expect(try await store.summary().highestSeq == 1)  // still only the city's own write
        }
    }

    @Test(.timeLimit(.minutes(1))) func theProvincesWordPrunesTheRelayOutboxAndMovesHeldThrough() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir, node: Self.city, clock: Clock())
            _ = try await Self.receive(store, Self.batch(Self.changes(count: 4)))
            let position = try await store.relayProvinceHolds(origin: Self.county.id, through: 3)
            #expect(position == RelayOrigin(highWater: 4, heldThrough: 3))
            let stream = try #require(try await store.pendingRelayStreams().first)
            #expect(stream.fromSeq == 4 && stream.entries.map(\.seq) == [4])
            let heartbeat = try await Self.receive(store, Self.batch([], firstSeq: 5))
            #expect(heartbeat.ack.highWater == 4 && heartbeat.ack.heldThrough == 3)
            #expect(try await store.relayFigures().first?.backlog == 1)
            // Hostile numbers: the province's word at the top of the range saturates, never traps, and raises
            // the city's high water with it (a city whose disk was lost asks no county to rewind below it).
            let top = try await store.relayProvinceHolds(origin: Self.county.id, through: .max)
            #expect(top == RelayOrigin(highWater: .maxStored, heldThrough: .maxStored))
            #expect(try await store.pendingRelayStreams().isEmpty)
            await #expect(throws: YiwangError.self) { try await store.relayProvinceHolds(origin: "", through: 1) }
        }
    }

    @Test(.timeLimit(.minutes(1))) func aLostCityDoesNotTakeTheCountysUnsentChangesWithIt() async throws {
        try await withTemporaryDirectory { dir in
            // The county: three writes, acknowledged by its city as relayed (highWater 3), the province holding
            // none yet (heldThrough 0), with no retention: a prune keeps all three.
            let county = try openStore(dir, node: Self.county.id)
            for key in ["a", "b", "c"] { _ = try await county.apply(put(key)) }
            try await county.applyAck(highWater: 3, heldThrough: 0, rejected: [], nowMs: 1)
            #expect(try await county.prune(ackedBeforeMs: .max) == 0)
            for seq: UInt64 in 1...3 { #expect(try await county.outboxEntry(seq: seq) != nil) }
            let summary = try await county.summary()
            #expect(summary.ackedThrough == 3 && summary.heldThrough == 0 && summary.backlog == 0)
            // The city's disk is lost: a new city holds nothing, and the county can resend all three from its
            // outbox (`nextBatch` from 1 still finds them).
            #expect(try await county.nextBatch(from: 1, maxChanges: 10, maxBytes: 1 << 20).entries.count == 3)
            // The province now holds through 2: only 1 and 2 may go.
            try await county.applyAck(highWater: 3, heldThrough: 2, rejected: [], nowMs: 2)
            #expect(try await county.prune(ackedBeforeMs: .max) == 2)
            #expect(try await county.outboxEntry(seq: 2) == nil)
            #expect(try await county.outboxEntry(seq: 3) != nil)
            // A heldThrough past the high water is not believed beyond it; a direct hub (none sent) holds all.
            try await county.applyAck(highWater: 3, heldThrough: .max, rejected: [], nowMs: 3)
            #expect(try await county.summary().heldThrough == 3)
            try await county.applyAck(highWater: 3, rejected: [], nowMs: 4)
            #expect(try await county.prune(ackedBeforeMs: .max) == 1)
        }
    }

    @Test(.timeLimit(.minutes(1))) func theSubtreeIsKeptInTheCitysFile() async throws {
        try await withTemporaryDirectory { dir in
            let subtree = RelaySubtree(
                node: Self.city,
                nodes: [
                    RelaySubtree.Node(
                        id: "430121", parent: Self.city, datasets: ["population"],
                        credentials: [.init(sha256: CredentialToken.hash("yw_c"), revokedAtMs: nil)])
                ], policies: ["population": .lww])
            do {
                let store = try openStore(dir, node: Self.city)
                #expect(try store.storedRelaySubtree() == nil)
                try await store.storeRelaySubtree(subtree, receivedAtMs: 77)
            }
            let reopened = try openStore(dir, node: Self.city)
            let stored = try #require(try reopened.storedRelaySubtree())
            #expect(stored.subtree == subtree && stored.receivedAtMs == 77)
            // A file of another node does not validate as this one's.
            #expect(throws: YiwangError.self) { _ = try openStore(dir, node: "430200").storedRelaySubtree() }
        }
    }
}
