import Foundation
import Testing
import YiwangAPI
import YiwangCore
import YiwangHub
import YiwangStore
import YiwangTesting

/// The hub's view of a node, driven through every transition by a manual clock.
@Suite struct ConnectivityReportTests {
    static let day: Int64 = 86_400_000

    func send(_ batch: SyncBatch, to hub: ProvinceHub) async throws -> SyncAck {
        try await hub.sync(body: BatchCodec.encode(batch), claimedNode: batch.node)
    }

    func heartbeat(_ node: String, nextSeq: UInt64, oldestPendingMs: Int64?, backlog: UInt64, clockMs: Int64)
        -> SyncBatch
    {
        let report = NodeReport(
            backlog: backlog, oldestPendingMs: oldestPendingMs, oldestAfterBatchMs: oldestPendingMs, clockMs: clockMs,
            hlc: HLCTimestamp(wallMs: clockMs))
        return SyncBatch(node: node, firstSeq: nextSeq, report: report, changes: [])
    }

    @Test(.timeLimit(.minutes(1))) func everyTransition() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        let county = Fixtures.county
        func state() async throws -> NodeStatus { try await hub.status(of: county) }

        #expect(try await state().state == .never)
        #expect(try await state().lastContactMs == nil)

        _ = try await send(heartbeat(county, nextSeq: 1, oldestPendingMs: nil, backlog: 0, clockMs: clock.nowMs()), to: hub)
        #expect(try await state().state == .realtime)
        #expect(try await state().dataAgeMs == 0)

        clock.advance(ms: 31_000)  // missed heartbeats
        #expect(try await state().state == .lagging)

        clock.advance(ms: 270_000)  // 5 min 1 s without contact
        #expect(try await state().state == .offline)

        // Back, with a backlog: this batch carries changes from 6 minutes ago; more from 5 minutes ago follow.
        let now = clock.nowMs()
        let first = Fixtures.batch(
            node: county, firstSeq: 1, Fixtures.versions(node: county, count: 3, hlcMs: now - 360_000), clockMs: now,
            oldestAfterBatchMs: now - 300_000, backlogAfter: 7)
        _ = try await send(first, to: hub)
        let catchingUp = try await state()
        #expect(catchingUp.state == .lagging)
        #expect(catchingUp.dataAgeMs == 300_000)
        #expect(catchingUp.backlog == 7)

        let rest = Fixtures.batch(
            node: county, firstSeq: 4, Fixtures.versions(node: county, count: 7, from: 4, hlcMs: now - 300_000),
            clockMs: now)
        _ = try await send(rest, to: hub)
        let caughtUp = try await state()
        #expect(caughtUp.state == .realtime)
        #expect(caughtUp.backlog == 0)
        #expect(caughtUp.highWater == 10)
        #expect(caughtUp.changesApplied == 10)

        // Two hours of silence: offline wins over stale.
        clock.advance(ms: 7_200_000)
        #expect(try await state().state == .offline)
    }

    /// The decisive case: heartbeats keep coming, but the oldest unsent change is 12 days old.
    @Test(.timeLimit(.minutes(1))) func heartbeatingNodeWithTwelveDayOldBacklogIsStale() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        let twelveDaysAgo = clock.nowMs() - 12 * Self.day
        for _ in 0..<3 {
            let beat = heartbeat(
                Fixtures.city, nextSeq: 1, oldestPendingMs: twelveDaysAgo, backlog: 4_000, clockMs: clock.nowMs())
            let ack = try await send(beat, to: hub)
            #expect(ack.expectedSeq == nil)
            clock.advance(ms: 5_000)
        }
        let status = try await hub.status(of: Fixtures.city)
        #expect(status.state == .stale)
        let age = try #require(status.dataAgeMs)
        #expect(age >= 12 * Self.day && age < 12 * Self.day + 60_000)
        #expect(status.lastContactMs == clock.nowMs() - 5_000)
        #expect(status.backlog == 4_000)

        let report = try await hub.report()
        #expect(report.nodes.first { $0.id == Fixtures.city }?.state == .stale)
    }

    @Test(.timeLimit(.minutes(1))) func clockOffsetIsMeasuredAndDataAgeUsesTheHubClock() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        let nodeClock = clock.nowMs() + 120_000  // the node's clock runs 2 minutes fast
        let beat = heartbeat(
            Fixtures.city, nextSeq: 1, oldestPendingMs: nodeClock - 10_000, backlog: 1, clockMs: nodeClock)
        _ = try await send(beat, to: hub)
        let status = try await hub.status(of: Fixtures.city)
        #expect(status.clockOffsetMs == 120_000)
        #expect(status.dataAgeMs == 10_000)
        #expect(status.state == .realtime)
    }

    @Test(.timeLimit(.minutes(1))) func reportIsWorstFirstWithRollUp() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        _ = try await send(
            heartbeat(Fixtures.city, nextSeq: 1, oldestPendingMs: nil, backlog: 0, clockMs: clock.nowMs()), to: hub)
        _ = try await send(
            heartbeat(
                Fixtures.otherCity, nextSeq: 1, oldestPendingMs: clock.nowMs() - 2 * 3_600_000, backlog: 9,
                clockMs: clock.nowMs()), to: hub)
        let report = try await hub.report()
        #expect(report.nodes.map(\.id) == [Fixtures.county, Fixtures.otherCity, Fixtures.city])
        #expect(report.nodes.map(\.state) == [.never, .stale, .realtime])
        #expect(report.summary.text == "1 of 2 cities, 0 of 1 county real-time")
        let cities = try #require(report.summary.levels.first)
        #expect(cities.level == "city" && cities.total == 2 && cities.realtime == 1 && cities.stale == 1)
        #expect(report.thresholds.staleAfterMs == 3_600_000)
    }
}
