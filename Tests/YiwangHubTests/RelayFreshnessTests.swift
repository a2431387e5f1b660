import Foundation
import HummingbirdTesting
import Testing
import YiwangAPI
import YiwangCore
import YiwangHTTP
import YiwangHub
import YiwangStore
import YiwangTesting

/// A relayed county's data age is end to end (issue 16): its contact time is when its report reached the
/// city, in the hub's clock through the city's measured offset, so a county behind a city that stops
/// delivering ages at the hub whatever the city itself says.
@Suite struct RelayFreshnessTests {
    typealias Province = RelayedSyncTests.Province
    static let county = RelayedSyncTests.county

    static func heartbeat(_ node: String, clockMs: Int64) -> SyncBatch {
        Fixtures.batch(node: node, firstSeq: 1, [], clockMs: clockMs)
    }

    /// The county's report made at `countyClockMs`, with `pendingSinceMs` (county clock) still pending after it,
    /// as the city relays it having received it at `receivedAtMs` (city clock).
    static func relayedReport(countyClockMs: Int64, pendingSinceMs: Int64?, receivedAtMs: Int64) -> SyncBatch {
        var batch = Fixtures.batch(
            node: county, firstSeq: 1, [], clockMs: countyClockMs, oldestAfterBatchMs: pendingSinceMs,
            backlogAfter: pendingSinceMs == nil ? 0 : 4)
        batch.relay = RelaySection(path: [county, Fixtures.city], receivedAtMs: receivedAtMs)
        return batch
    }

    static func status(_ province: Province, _ id: String) async throws -> NodeStatus {
        try await province.hub.status(of: id)
    }

    @Test(.timeLimit(.minutes(1))) func theCitysReceiveTimeIsConvertedThroughItsOwnClockOffset() async throws {
        let province = try await Province()
        defer { province.dir.remove() }
        let clock = province.clock
        let t0 = clock.nowMs()
        let cityAhead: Int64 = 60_000
        let countyBehind: Int64 = 20_000
        try await HubServer.application(hub: province.hub).test(.router) { client in
            // The city's own heartbeat: the hub measures the clock it reports in, a minute ahead (and its machine's
            // wall clock two hours off that, which its receive times are not in).
            var heartbeat = Self.heartbeat(Fixtures.city, clockMs: t0 + cityAhead)
            heartbeat.report.clockSkewMs = 7_200_000
            let beat = try await RelayedSyncTests.send(client, heartbeat, as: Fixtures.city, province)
            #expect(beat.status == .ok)
            #expect(try await Self.status(province, Fixtures.city).clockOffsetMs == cityAhead + 7_200_000)

            // The county reported at hub time t0+5s, with a change pending since t0-100s; the city relays at +10s.
            clock.advance(ms: 10_000)
            let report = Self.relayedReport(
                countyClockMs: t0 + 5_000 - countyBehind, pendingSinceMs: t0 - 100_000 - countyBehind,
                receivedAtMs: t0 + 5_000 + cityAhead)
            #expect(try await RelayedSyncTests.send(client, report, as: Fixtures.city, province).status == .ok)
            var county = try await Self.status(province, Self.county)
            #expect(county.lastContactMs == t0 + 5_000)
            #expect(county.clockOffsetMs == -countyBehind)
            #expect(county.dataAgeMs == 110_000)  // the pending change's age, in the hub's clock
            #expect(county.state == .lagging)
            #expect(county.path == [Self.county, Fixtures.city, "430000"] && county.via == Fixtures.city)

            // Caught up: reported at t0+15s with nothing pending, relayed at t0+20s: 5 s old, real time.
            clock.advance(ms: 10_000)
            let current = Self.relayedReport(
                countyClockMs: t0 + 15_000 - countyBehind, pendingSinceMs: nil, receivedAtMs: t0 + 15_000 + cityAhead)
            #expect(try await RelayedSyncTests.send(client, current, as: Fixtures.city, province).status == .ok)
            county = try await Self.status(province, Self.county)
            #expect(county.lastContactMs == t0 + 15_000 && county.dataAgeMs == 5_000)
            #expect(county.state == .realtime)

            // A receive time in the future (a city whose clock jumped, or that lies) counts as now, never later.
            let ahead = Self.relayedReport(
                countyClockMs: t0 + 19_000 - countyBehind, pendingSinceMs: nil,
                receivedAtMs: t0 + 20_000 + cityAhead + 600_000)
            #expect(try await RelayedSyncTests.send(client, ahead, as: Fixtures.city, province).status == .ok)
            county = try await Self.status(province, Self.county)
            #expect(county.lastContactMs == clock.nowMs() && county.dataAgeMs == 0)
        }
    }

    @Test(.timeLimit(.minutes(1))) func aCountyBehindACityThatStopsDeliveringAgesAndIsNeverRealtime() async throws {
        let province = try await Province()
        defer { province.dir.remove() }
        let clock = province.clock
        let t0 = clock.nowMs()
        try await HubServer.application(hub: province.hub).test(.router) { client in
            #expect(
                try await RelayedSyncTests.send(
                    client, Self.heartbeat(Fixtures.city, clockMs: t0), as: Fixtures.city, province
                ).status == .ok)
            let last = Self.relayedReport(countyClockMs: t0, pendingSinceMs: nil, receivedAtMs: t0)
            #expect(try await RelayedSyncTests.send(client, last, as: Fixtures.city, province).status == .ok)
            #expect(try await Self.status(province, Self.county).state == .realtime)

            // The city's link to the county is cut: the city goes on with its own heartbeats and, now and then,
            // resends the county's last stored report (received at t0). The county ages; the city does not.
            var seen: Set<ConnectivityState> = []
            for second in stride(from: 5, through: 400, by: 5) {
                clock.advance(ms: 5_000)
                let beat = Self.heartbeat(Fixtures.city, clockMs: clock.nowMs())
                #expect(try await RelayedSyncTests.send(client, beat, as: Fixtures.city, province).status == .ok)
                if second % 60 == 0 {
                    #expect(try await RelayedSyncTests.send(client, last, as: Fixtures.city, province).status == .ok)
                }
                let county = try await Self.status(province, Self.county)
                #expect(county.lastContactMs == t0 && county.dataAgeMs == Int64(second) * 1_000)
                if second > 30 { #expect(county.state != .realtime, "\(second)s after the county's last report") }
                seen.insert(county.state)
                #expect(try await Self.status(province, Fixtures.city).state == .realtime)
            }
            #expect(seen == [.realtime, .lagging, .offline])
        }
    }

    /// The county went direct meanwhile: a report the city received before the county's last direct contact
    /// arrives late. Its changes apply; it does not move the contact time, the data age or the path back.
    @Test(.timeLimit(.minutes(1))) func aLateRelayedReportDoesNotRewindADirectOne() async throws {
        let province = try await Province()
        defer { province.dir.remove() }
        let clock = province.clock
        let t0 = clock.nowMs()
        try await HubServer.application(hub: province.hub).test(.router) { client in
            let direct = RelayedSyncTests.countyBatch(firstSeq: 1, count: 2, clockMs: t0)
            #expect(try await RelayedSyncTests.send(client, direct, as: Self.county, province).status == .ok)
            clock.advance(ms: 3_000)
            // Seqs 1-3 as the city stored them 10 s before the county's direct batch, with 3 still pending then.
            var late = RelayedSyncTests.countyBatch(firstSeq: 1, count: 3, clockMs: t0 - 10_000)
            late.report.oldestAfterBatchMs = t0 - 600_000
            late.relay = RelaySection(path: [Self.county, Fixtures.city], receivedAtMs: t0 - 10_000)
            let response = try await RelayedSyncTests.send(client, late, as: Fixtures.city, province)
            #expect(try response.status == .ok && RelayedSyncTests.ack(response).highWater == 3)
            let county = try await Self.status(province, Self.county)
            #expect(county.highWater == 3 && county.changesApplied == 3)
            #expect(county.lastContactMs == t0 && county.dataAgeMs == 3_000)
            #expect(county.path == [Self.county, "430000"] && county.via == nil)
        }
    }
}
