import YiwangTesting
import Testing
import YiwangCore

@Suite struct ClockReferenceTests {
    let hub: Int64 = 1_800_000_000_000
    let twoHours: Int64 = 2 * 3_600_000

    @Test func theHubsTimeIsTakenAtTheMidpointOfTheRoundTrip() {
        var reference = ClockReference()
        let taken = reference.measure(hubMs: hub, sentMs: 1_000, receivedMs: 1_200, localMs: hub + twoHours + 100)
        #expect(taken)
        #expect(reference.nowMs(localMs: 0, elapsedMs: 1_200) == hub + 100)
        #expect(reference.skewMs == twoHours)
        #expect(reference.roundTripMs == 200)
    }

    @Test func aNodeTwoHoursAheadRunsOnTheHubsTimeAndSaysSo() {
        let local = ManualClock(hub + twoHours)
        let clock = HubReferencedClock(local: local, elapsed: local)
        #expect(clock.nowMs() == hub + twoHours, "before the first exchange: the local clock")
        let sent = clock.elapsedMs()
        local.advance(ms: 40)
        clock.measure(hubMs: hub + 20, sentElapsedMs: sent)
        #expect(clock.nowMs() == hub + 40)
        local.advance(ms: 5_000)
        #expect(clock.nowMs() == hub + 5_040)
        #expect(clock.skewMs == twoHours)
        #expect(ClockReference.skewDescription(clock.skewMs ?? 0)?.hasPrefix("clock 2h ahead of the hub") == true)
    }

    @Test func aJumpOfTheLocalClockDoesNotMoveTheNodesTime() {
        let local = ManualClock(hub)
        let clock = HubReferencedClock(local: local, elapsed: local)
        clock.measure(hubMs: hub, sentElapsedMs: clock.elapsedMs())
        local.jump(ms: -twoHours)
        local.advance(ms: 1_000)
        #expect(clock.nowMs() == hub + 1_000)
        #expect(clock.skewMs == -twoHours, "the jump shows at once in the skew, before the next exchange")
        #expect(ClockReference.skewDescription(-twoHours)?.hasPrefix("clock 2h behind the hub") == true)
    }

    @Test func aSavedReferenceIsUsedUntilTheFirstExchange() {
        let local = ManualClock(hub + twoHours)
        let clock = HubReferencedClock(local: local, elapsed: local)
        clock.restore(ClockReference(anchorMs: nil, skewMs: twoHours))
        #expect(clock.nowMs() == hub)
        clock.restore(ClockReference(anchorMs: hub - 1_000, skewMs: 0))  // same boot: the anchor itself
        #expect(clock.nowMs() == hub)
    }

    static let hostile: [(Int64, Int64, Int64)] = [
        (.max, .min, .max), (.min, 0, 0), (0, .max, .min), (1, 5, 4), (.max, 0, .max),
    ]

    @Test(arguments: hostile)
    func hostileReadingsNeitherTrapNorCount(hubMs: Int64, sentMs: Int64, receivedMs: Int64) {
        var reference = ClockReference()
        let taken = reference.measure(hubMs: hubMs, sentMs: sentMs, receivedMs: receivedMs, localMs: Int64.min)
        _ = reference.nowMs(localMs: Int64.max, elapsedMs: Int64.max)
        _ = reference.currentSkewMs(localMs: Int64.min, elapsedMs: Int64.min)
        #expect(taken == (hubMs > 0 && receivedMs >= sentMs))
        #expect(ClockReference.skewDescription(Int64.min) != nil)
    }

    @Test func aSmallSkewIsNotAnError() {
        #expect(ClockReference.skewDescription(30_000) == nil)
        #expect(ClockReference.skewDescription(-59_000) == nil)
    }
}
