import Foundation
import Testing
import YiwangCore
import YiwangStore
import YiwangTesting

/// The node's conflict log is bounded by `conflict_retention`: `EdgeStore.pruneConflicts`, run with the outbox's
/// periodic prune, and live on a real `yiwang-edge`.
@Suite struct EdgeConflictRetentionTests {
    static let day: Int64 = 86_400_000

    /// `count` conflicts recorded at the clock's time: a local write, then a concurrent version from the province.
    static func conflicts(_ store: EdgeStore, count: Int, prefix: String, from: inout Int64) async throws {
        for i in 0..<count {
            _ = try await store.apply(put("\(prefix)-\(i)", #"{"from":"city"}"#))
            let remote = EdgeStoreDownlinkTests.remote(key: "\(prefix)-\(i)", counter: UInt64(from + 1), wallMs: 1)
            let applied = try await store.applyDownlink([remote], from: from, to: from + 1, head: from + 1)
            #expect(applied?.conflicts == 1)
            from += 1
        }
    }

    @Test(.timeLimit(.minutes(1))) func conflictsOlderThanTheRetentionGoAndNewerOnesStay() async throws {
        try await withTemporaryDirectory { dir in
            let clock = ManualClock(1_800_000_000_000)
            let store = try openStore(dir, clock: clock)
            var cursor: Int64 = 0
            try await Self.conflicts(store, count: 3, prefix: "old", from: &cursor)
            clock.advance(ms: 100 * Self.day)
            try await Self.conflicts(store, count: 2, prefix: "new", from: &cursor)
            #expect(try await store.conflictCount() == 5)
            #expect(try await store.pruneConflicts(olderThanMs: 90 * Self.day, maxRows: 2) == 2)
            #expect(try await store.pruneConflicts(olderThanMs: 90 * Self.day) == 1)
            #expect(try await store.conflictCount() == 2)
            // A retention longer than the clock's whole reading saturates instead of trapping: nothing goes.
            #expect(try await store.pruneConflicts(olderThanMs: .max) == 0)
            #expect(try await store.pruneConflicts(beforeMs: .min) == 0)
            #expect(try await store.conflictCount() == 2)
        }
    }

    @Test(
        "a real yiwang-edge started with a short --conflict-retention drops the old conflicts",
        .timeLimit(.minutes(1)))
    func liveEdgePrunesOldConflicts() async throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-conflict-retention")
        defer { dir.remove() }
        // The node's file as a node that has run for months leaves it: old conflicts, and one from just now.
        let now = EdgeWallClock().nowMs()
        let clock = ManualClock(now - 3 * Self.day)
        var cursor: Int64 = 0
        do {
            let store = try EdgeStore(
                directory: dir.file("edge-data"), nodeID: "430100", wallClock: clock, logger: testLogger)
            try await Self.conflicts(store, count: 4, prefix: "old", from: &cursor)
            clock.set(now)
            try await Self.conflicts(store, count: 1, prefix: "recent", from: &cursor)
            #expect(try await store.conflictCount() == 5)
        }
        // No hub is reachable: the node prunes on its own schedule all the same.
        let edge = try await LiveEdge.start(
            in: dir, hubURL: "http://127.0.0.1:9", extra: ["--conflict-retention", "1d"])
        let deadline = ContinuousClock.now + .seconds(20)
        var log = ""
        while ContinuousClock.now < deadline {
            log = (try? String(contentsOfFile: dir.file("edge.log"), encoding: .utf8)) ?? ""
            if log.contains("conflicts pruned") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(log.contains("conflicts pruned"), "no prune logged")
        #expect(await edge.process.stop(SIGTERM) == 0)
        let store = try EdgeStore(directory: dir.file("edge-data"), nodeID: "430100", logger: testLogger)
        #expect(try await store.conflictCount() == 1)
    }
}
