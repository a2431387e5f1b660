/// A token bucket: `rate` tokens per second up to `burst`; each request takes one. A value type driven by the
/// caller's clock (milliseconds), so it is tested without waiting.
public struct TokenBucket: Hashable, Sendable {
    public let rate: Double
    public let burst: Double
    private var tokens: Double
    private var lastMs: Int64

    public init(rate: Double, burst: Double, nowMs: Int64) {
        self.rate = max(rate, 0.001)
        self.burst = max(burst, 1)
        self.tokens = self.burst
        self.lastMs = nowMs
    }

    /// Takes a token if one is available; otherwise returns how long to wait for one, in milliseconds.
    public mutating func take(nowMs: Int64) -> Int64? {
        if nowMs > lastMs {
            tokens = min(burst, tokens + Double(nowMs - lastMs) * rate / 1000)
            lastMs = nowMs
        }
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return max(1, Int64(((1 - tokens) * 1000 / rate).rounded(.up)))
    }
}
