import Foundation
import Testing
import YiwangCore
import YiwangStore
import YiwangTesting

/// A snapshot page at the node: records it does not hold are stored as the hub holds them (the bulk path),
/// held ones still merge, and records it holds that the snapshot lacks go unless a local write may not be at
/// the hub.
@Suite struct SnapshotPageApplyTests {
    static func version(
        _ key: String, _ vector: [String: UInt64], dataset: String = "population", delete: Bool = false,
        wallMs: Int64 = 1_000
    ) -> Version {
        Version(
            dataset: dataset, key: key, vector: VersionVector(vector), hlc: HLCTimestamp(wallMs: wallMs),
            origin: vector.keys.sorted().last ?? "430200", actor: "clerk", operation: delete ? .delete : .put,
            value: delete ? nil : #"{"from":"province"}"#)
    }

    static func entry(_ version: Version, joined: [String: UInt64]? = nil) -> SnapshotEntry {
        SnapshotEntry(
            dataset: version.dataset, key: version.key,
            state: RecordState(vector: joined.map { VersionVector($0) } ?? version.vector, visible: [version]))
    }

    static func page(_ entries: [SnapshotEntry], next: SnapshotToken?) -> SnapshotPage {
        SnapshotPage(position: 40, readAt: 40, next: next, entries: entries)
    }

    @Test("a new node stores each absent record as the hub holds it; siblings still log their conflicts", .timeLimit(.minutes(1)))
    func absentRecordsAreStoredAsTheHubHoldsThem() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir)  // node 430100, nothing written
            store.usePolicies(["population": .lww, "tickets": .siblings])
            let a = Self.version("a", ["430200": 2])
            let b = Self.version("b", ["430200": 5], delete: true)
            let lying = Self.version("d", ["430100": 9, "430200": 1])
            let left = Self.version("c", ["430200": 1], dataset: "tickets", wallMs: 2_000)
            let right = Self.version("c", ["430300": 1], dataset: "tickets", wallMs: 1_000)
            let siblings = SnapshotEntry(
                dataset: "tickets", key: "c",
                state: RecordState(vector: VersionVector(["430200": 1, "430300": 1]), visible: [left, right]))
            let page = Self.page(
                [Self.entry(a, joined: ["430200": 3, "430300": 1]), Self.entry(b), Self.entry(lying), siblings],
                next: nil)
            let applied = try #require(try await store.applySnapshotPage(page, expected: nil))
            #expect(applied.applied == 4 && applied.conflicts == 1 && applied.refused == 1 && applied.finished)

            // Stored with the hub's joined vector: a version it covers, re-delivered by the feed, is ignored.
            let stored = try #require(try await store.record(dataset: "population", key: "a"))
            #expect(stored == RecordState(vector: VersionVector(["430200": 3, "430300": 1]), visible: [a]))
            #expect(try await store.record(dataset: "population", key: "b")?.winner.isTombstone == true)
            #expect(try await store.record(dataset: "population", key: "d") == nil)
            #expect(try await store.record(dataset: "tickets", key: "c")?.visible.count == 2)
            #expect(try await store.conflictCount() == 1)
            let covered = Self.version("a", ["430200": 3])
            let again = try #require(try await store.applyDownlink([covered], from: 40, to: 41, head: 41))
            #expect(again.ignored == 1 && again.applied == 0)
            #expect(try await store.record(dataset: "population", key: "a")?.winner == a)
            #expect(try await store.summary().backlog == 0)  // nothing went to the outbox
        }
    }

    @Test("a record this node holds still merges with the snapshot's (a resynced node's local edit conflicts)", .timeLimit(.minutes(1)))
    func heldRecordsMerge() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir)
            store.usePolicies(["population": .lww])
            let mine = try #require(try await store.apply(put("a", #"{"from":"county"}"#)))
            let hubs = Self.version("a", ["430200": 1], wallMs: mine.hlc.wallMs + 5_000)  // newer: it wins
            let applied = try #require(try await store.applySnapshotPage(Self.page([Self.entry(hubs)], next: nil), expected: nil))
            #expect(applied.applied == 1 && applied.conflicts == 1)
            let state = try #require(try await store.record(dataset: "population", key: "a"))
            #expect(state.winner == hubs && state.vector == VersionVector(["430100": 1, "430200": 1]))
            #expect(try await store.summary().backlog == 1)  // the local edit still goes up
        }
    }

    @Test("held records the snapshot lacks stay, across pages: absence proves nothing (a restored hub, a grant mistake)", .timeLimit(.minutes(1)))
    func recordsAbsentFromTheSnapshotStay() async throws {
        try await withTemporaryDirectory { dir in
            let clock = ManualClock(1_700_000_000_000)
            let store = try openStore(dir, clock: clock)
            store.usePolicies(["population": .lww, "tickets": .lww])
            // What the feed gave it and its own writes, one long acknowledged: the hub (restored from an older
            // copy, say) no longer lists some of them.
            let fromFeed = ["p1", "p2", "p3"].map { Self.version($0, ["430200": 1]) }
                + [Self.version("t0", ["430200": 1], dataset: "tickets")]
            _ = try await store.applyDownlink(fromFeed, from: 0, to: 5, head: 5)
            _ = try await store.apply([put("w-old"), put("w-pending")])  // seqs 1, 2
            try await store.applyAck(highWater: 1, rejected: [], nowMs: clock.nowMs())
            try await store.resetDownlink()  // `yiwangctl resync`: through the snapshot again

            let first = Self.page([Self.entry(Self.version("p1", ["430200": 1]))], next: SnapshotToken(dataset: "population", key: "p1"))
            _ = try #require(try await store.applySnapshotPage(first, expected: nil))
            let progress = try #require(try await store.snapshotProgress())
            let last = Self.page([Self.entry(Self.version("t1", ["430200": 2], dataset: "tickets"))], next: nil)
            let two = try #require(try await store.applySnapshotPage(last, expected: progress))
            #expect(two.finished)
            for key in ["p1", "p2", "p3", "w-old", "w-pending"] {
                #expect(try await store.record(dataset: "population", key: key) != nil, "\(key) should stay")
            }
            for key in ["t0", "t1"] { #expect(try await store.record(dataset: "tickets", key: key) != nil) }
            #expect(try await store.summary().backlog == 1)  // w-pending still goes up
        }
    }
}
