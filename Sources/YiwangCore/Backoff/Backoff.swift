/// Exponential backoff with full jitter, capped (as AHC's connection pool): attempt n waits a random time in
/// `[base * 2^n / 2, min(cap, base * 2^n)]`, so many nodes retrying after an outage do not stampede together.
public struct Backoff: Sendable, Hashable {
    public var baseMs: Int64
    public var capMs: Int64

    public init(baseMs: Int64 = 250, capMs: Int64 = 30_000) {
        precondition(baseMs > 0 && capMs >= baseMs)
        self.baseMs = baseMs
        self.capMs = capMs
    }

    /// The ceiling for attempt `attempt` (0-based) before jitter.
    public func ceilingMs(attempt: Int) -> Int64 {
        let shift = min(attempt, 32)
        let (scaled, overflow) = baseMs.multipliedReportingOverflow(by: Int64(1) << shift)
        return overflow ? capMs : min(capMs, scaled)
    }

    public func delayMs(attempt: Int, using generator: inout some RandomNumberGenerator) -> Int64 {
        let ceiling = ceilingMs(attempt: attempt)
        return Int64.random(in: (ceiling / 2)...ceiling, using: &generator)
    }

    public func delayMs(attempt: Int) -> Int64 {
        var generator = SystemRandomNumberGenerator()
        return delayMs(attempt: attempt, using: &generator)
    }
}
