import Testing
import YiwangCore

@Suite struct HybridLogicalClockTests {
    @Test func neverGoesBackwardsWhenTheWallClockDoes() {
        var clock = HybridLogicalClock()
        let first = clock.tick(wallMs: 10_000)
        let second = clock.tick(wallMs: 9_000)  // wall clock stepped back (NTP)
        let third = clock.tick(wallMs: 9_500)
        #expect(first < second && second < third)
        #expect(second.wallMs == 10_000 && second.logical == 1)
    }

    @Test func followsARemoteTimestampAheadOfTheLocalClock() throws {
        var clock = HybridLogicalClock()
        _ = clock.tick(wallMs: 1_000)
        let remote = HLCTimestamp(wallMs: 5_000, logical: 7)
        let after = try clock.receive(remote, wallMs: 2_000)
        #expect(after > remote)
        #expect(after == HLCTimestamp(wallMs: 5_000, logical: 8))
        #expect(clock.tick(wallMs: 2_001) > after)
    }

    @Test func refusesARemoteClockFarInTheFuture() {
        var clock = HybridLogicalClock(maxForwardDriftMs: 60_000)
        let start = clock.tick(wallMs: 1_000)
        #expect(throws: YiwangError.self) {
            try clock.receive(HLCTimestamp(wallMs: 1_000 + 3_600_000), wallMs: 1_000)
        }
        #expect(clock.last == start)  // the refused reading did not move the clock
    }

    @Test func aClockLeftHoursAheadReturnsToTheProvincesTime() {
        let hub: Int64 = 1_800_000_000_000
        var clock = HybridLogicalClock(last: HLCTimestamp(wallMs: hub + 2 * 3_600_000, logical: 4))
        let moved = clock.rebase(toWallMs: hub)
        #expect(moved)
        let next = clock.tick(wallMs: hub + 10)
        #expect(next == HLCTimestamp(wallMs: hub + 10))
        var close = HybridLogicalClock(last: HLCTimestamp(wallMs: hub + 60_000))
        let closeMoved = close.rebase(toWallMs: hub)
        #expect(!closeMoved, "within the drift it never goes backwards")
        let after = close.tick(wallMs: hub)
        #expect(after > HLCTimestamp(wallMs: hub + 60_000))
        var extreme = HybridLogicalClock(last: HLCTimestamp(wallMs: .max >> 16))
        let extremeMoved = extreme.rebase(toWallMs: .min)
        #expect(!extremeMoved, "a difference that overflows is no reading")
    }

    @Test func logicalCounterOverflowCarriesIntoTheWallTime() {
        var clock = HybridLogicalClock(last: HLCTimestamp(wallMs: 50, logical: .max))
        let next = clock.tick(wallMs: 10)
        #expect(next == HLCTimestamp(wallMs: 51, logical: 0))
    }

    @Test func packedFormSortsLikeTheTimestamp() {
        let stamps = [HLCTimestamp(wallMs: 1, logical: 65535), HLCTimestamp(wallMs: 2), HLCTimestamp(wallMs: 2, logical: 1)]
        #expect(stamps.map(\.packed) == stamps.map(\.packed).sorted())
        #expect(stamps.map { HLCTimestamp(packed: $0.packed) } == stamps)
    }
}
