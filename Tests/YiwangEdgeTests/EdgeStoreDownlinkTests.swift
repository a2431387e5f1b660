import Foundation
import Testing
import YiwangCore
import YiwangStore
import YiwangTesting

/// `EdgeStore.applyDownlink`: received versions merge by the shared rules, never enter the outbox, move the
/// clock and the cursor in the same transaction, and a stale page (after a resync) is refused whole.
@Suite struct EdgeStoreDownlinkTests {
    static func remote(key: String, counter: UInt64, wallMs: Int64, node: String = "430200") -> Version {
        Version(
            dataset: "population", key: key, vector: VersionVector([node: counter]), hlc: HLCTimestamp(wallMs: wallMs),
            origin: node, actor: "clerk", operation: .put, value: #"{"from":"province"}"#)
    }

    @Test(.timeLimit(.minutes(1))) func receivedVersionsAreMergedButNeverSentBack() async throws {
        try await withTemporaryDirectory { dir in
            let clock = ManualClock(1_700_000_000_000)
            let store = try openStore(dir, clock: clock)
            // A version from 2 s in the future (another node's clock is ahead): the clock follows it.
            let received = Self.remote(key: "k", counter: 3, wallMs: clock.nowMs() + 2_000)
            let applied = try await store.applyDownlink([received, received], from: 0, to: 7, head: 9)
            #expect(applied?.applied == 1 && applied?.ignored == 1 && applied?.conflicts == 0)
            #expect(try await store.record(dataset: "population", key: "k")?.winner == received)
            let summary = try await store.summary()
            #expect(summary.backlog == 0 && summary.highestSeq == 0, "a received version entered the outbox")
            let downlink = try await store.downlinkSummary()
            #expect(downlink.cursor == 7 && downlink.lag == 2 && downlink.lastPullMs == clock.nowMs())

            // A local edit after receiving it is causally later: its vector dominates, its HLC is greater.
            let edit = try #require(try await store.apply(put("k", #"{"from":"city"}"#)))
            #expect(edit.vector.compare(received.vector) == .after)
            #expect(edit.hlc > received.hlc)
            #expect(try await store.summary().backlog == 1)
            #expect(try await store.digest(dataset: "population").records == 1)
        }
    }

    @Test(.timeLimit(.minutes(1))) func concurrentVersionIsLoggedAsAConflict() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir)
            _ = try await store.apply(put("k", #"{"from":"city"}"#))
            let concurrent = Self.remote(key: "k", counter: 1, wallMs: 1)
            let applied = try await store.applyDownlink([concurrent], from: 0, to: 1, head: 1)
            #expect(applied?.conflicts == 1)
            #expect(try await store.record(dataset: "population", key: "k")?.winner.origin == "430100")
        }
    }

    @Test(.timeLimit(.minutes(1))) func aPageFetchedBeforeAResyncIsRefused() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir)
            _ = try await store.applyDownlink([], from: 0, to: 5, head: 5)
            try await store.resetDownlink()
            let stale = try await store.applyDownlink(
                [Self.remote(key: "k", counter: 1, wallMs: 1)], from: 5, to: 6, head: 6)
            #expect(stale == nil)
            #expect(try await store.downlinkCursor() == 0)
            #expect(try await store.record(dataset: "population", key: "k") == nil)
        }
    }
}
