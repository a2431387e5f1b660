import Testing
import YiwangCore

@Suite struct BackoffTests {
    @Test func growsExponentiallyUpToTheCap() {
        let backoff = Backoff(baseMs: 100, capMs: 5_000)
        #expect((0..<8).map { backoff.ceilingMs(attempt: $0) } == [100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000])
        #expect(backoff.ceilingMs(attempt: 1_000) == 5_000)
    }

    @Test func jitterStaysWithinHalfToFullCeiling() {
        let backoff = Backoff(baseMs: 100, capMs: 5_000)
        var rng = SplitMix64(seed: 7)
        var seen = Set<Int64>()
        for attempt in 0..<20 {
            for _ in 0..<50 {
                let delay = backoff.delayMs(attempt: attempt, using: &rng)
                let ceiling = backoff.ceilingMs(attempt: attempt)
                #expect(delay >= ceiling / 2 && delay <= ceiling)
                seen.insert(delay)
            }
        }
        #expect(seen.count > 100)  // actually jittered, not a fixed schedule
    }
}
