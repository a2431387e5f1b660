import Foundation
import Testing
import YiwangCore
import YiwangStore
import YiwangTesting

/// The downlink position kept per upstream (`EdgeStore.useDownlinkPosition`): the unowned position of an older
/// node is claimed by the first upstream that answers, moving parks it and takes the other's out (or none:
/// a snapshot first), and a page is only applied to the position of the upstream that served it.
@Suite(.timeLimit(.minutes(1))) struct EdgeStoreUpstreamPositionTests {
    static let page = [EdgeStoreDownlinkTests.remote(key: "k", counter: 1, wallMs: 1)]

    @Test func theExistingCursorIsClaimedByTheFirstUpstreamThatAnswers() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir)
            // A node from before per-upstream positions: a cursor with no owner.
            _ = try await store.applyDownlink(Self.page, from: 0, to: 40, head: 40)
            #expect(try await store.downlinkUpstream() == nil)
            #expect(try await store.useDownlinkPosition(of: "430100") == .claimed(cursor: 40))
            #expect(try await store.downlinkUpstream() == "430100")
            #expect(try await store.downlinkCursor() == 40)
            #expect(try await store.useDownlinkPosition(of: "430100") == .unchanged)
        }
    }

    @Test func movingParksThePositionAndAnUpstreamNeverPulledFromStartsWithASnapshot() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir)
            _ = try await store.useDownlinkPosition(of: "430100")
            _ = try await store.applyDownlink(Self.page, from: 0, to: 12, head: 15)
            #expect(try await store.useDownlinkPosition(of: "430000") == .fresh)
            #expect(try await store.downlinkCursor() == 0, "never another upstream's cursor")
            #expect(try await store.needsSnapshot())
            let summary = try await store.downlinkSummary()
            #expect(summary.upstream == "430000" && summary.head == nil)
            #expect(summary.parked.map(\.upstream) == ["430100"] && summary.parked.first?.cursor == 12)

            // A page the city served while the node already moved on is not applied to the province's position.
            #expect(try await store.applyDownlink(Self.page, from: 0, to: 5, head: 5, upstream: "430100") == nil)
            #expect(try await store.downlinkCursor() == 0)
            #expect(try await store.applyDownlink(Self.page, from: 0, to: 900, head: 900, upstream: "430000") != nil)

            // Back on the city: its own cursor, the province's parked.
            #expect(try await store.useDownlinkPosition(of: "430100") == .resumed(cursor: 12))
            let needs = try await store.needsSnapshot()
            #expect(!needs)
            let back = try await store.downlinkSummary()
            #expect(back.head == 15 && back.parked.map(\.upstream) == ["430000"] && back.parked.first?.cursor == 900)
            #expect(try await store.useDownlinkPosition(of: "430000") == .resumed(cursor: 900))
        }
    }

    @Test func aSnapshotInProgressIsKeptForItsUpstreamAndResumed() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir)
            _ = try await store.useDownlinkPosition(of: "430100")
            let token = SnapshotToken(dataset: "population", key: "k")
            let first = SnapshotPage(position: 77, readAt: 80, next: token, entries: [])
            #expect(try await store.applySnapshotPage(first, expected: nil, upstream: "430000") == nil, "not its position")
            #expect(try await store.applySnapshotPage(first, expected: nil, upstream: "430100") != nil)
            let progress = try #require(try await store.snapshotProgress())
            _ = try await store.useDownlinkPosition(of: "430000")
            #expect(try await store.snapshotProgress() == nil)
            #expect(try await store.useDownlinkPosition(of: "430100") == .resumed(cursor: 0))
            #expect(try await store.snapshotProgress() == progress)
        }
    }

    @Test func aResyncForgetsEveryUpstreamsPosition() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir)
            _ = try await store.useDownlinkPosition(of: "430100")
            _ = try await store.applyDownlink(Self.page, from: 0, to: 12, head: 12)
            _ = try await store.useDownlinkPosition(of: "430000")
            try await store.resetDownlink()
            #expect(try await store.downlinkSummary().parked.isEmpty)
            #expect(try await store.useDownlinkPosition(of: "430100") == .fresh)
        }
    }

    @Test("ids compare as bytes: a canonically equal spelling is another upstream")
    func idsAreBytes() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir)
            _ = try await store.useDownlinkPosition(of: "caf\u{e9}")
            #expect(try await store.useDownlinkPosition(of: "cafe\u{301}") == .fresh)
        }
    }
}
