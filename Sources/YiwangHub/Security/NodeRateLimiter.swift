import Synchronization
import YiwangCore

/// One token bucket per node for `POST /v1/sync`, so a runaway node is slowed without touching the others.
public final class NodeRateLimiter: Sendable {
    private let rate: Double
    private let burst: Double
    private let buckets = Mutex<[String: TokenBucket]>([:])

    /// `rate` batches per second sustained, `burst` above it; a rate of 0 disables the limit.
    public init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
    }

    /// Takes one batch from `node`'s bucket; returns the milliseconds to wait when it is empty.
    public func take(node: String, nowMs: Int64) -> Int64? {
        guard rate > 0 else { return nil }
        return buckets.withLock { buckets in
            if buckets.count > 100_000 { buckets.removeAll() }  // bounded memory under a flood of names
            var bucket = buckets[node] ?? TokenBucket(rate: rate, burst: burst, nowMs: nowMs)
            let wait = bucket.take(nowMs: nowMs)
            buckets[node] = bucket
            return wait
        }
    }
}
