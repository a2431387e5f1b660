/// Which of a node's upstreams (its `hub` list, in order of preference: its city, then the province) the node
/// uses now: one value shared by the uplink (sync), the downlink (feed, snapshot) and the grants, so the three
/// always talk to the same parent.
///
/// The rule, as events:
/// - `failed(u)`: upstream `u` could not serve a request (connect error, timeout, 5xx, 503 busy, a refused
///   credential: `UpstreamAnswer`). If `u` is the one in use, the next in the list is used from now on (after
///   the last, the first again). A failure of an upstream not in use (a request that was already in flight when
///   the node moved, a failed try of the first choice) changes nothing: two services failing on the same
///   upstream move the node once, not twice.
/// - `answered(u)`: `u` answered (any answer that is not a failure, a 4xx refusal of a batch included). An
///   upstream earlier in the list than the one in use becomes the one in use: the first choice is back.
/// - While not on the first choice, the first is tried again at most every `retryFirstMs`, counted from when
///   the node left it or last tried it (`takeFirstChoiceTry`); later failures of the fallbacks do not push that
///   try back. The try's answer is an ordinary `answered(0)` or `failed(0)`.
///
/// Times are milliseconds of a monotonic clock (never the wall clock, which may jump); every sum saturates.
public struct UpstreamChoice: Sendable, Hashable {
    /// How many upstreams the node has (at least 1).
    public let count: Int
    /// How long the node stays off its first choice before trying it again.
    public let retryFirstMs: Int64
    /// The index of the upstream in use.
    public private(set) var current = 0
    /// When the first choice is next tried; nil while it is in use.
    public private(set) var firstChoiceTryAtMs: Int64?

    public enum Event: Sendable, Hashable {
        case answered(upstream: Int)
        case failed(upstream: Int)
    }

    /// `count` below 1 is taken as 1, a negative `retryFirstMs` as 0.
    public init(count: Int, retryFirstMs: Int64) {
        self.count = max(1, count)
        self.retryFirstMs = max(0, retryFirstMs)
    }

    /// Applies `event` at `nowMs`; returns the upstream now in use when it changed, else nil. An index outside
    /// the list changes nothing.
    @discardableResult
    public mutating func handle(_ event: Event, nowMs: Int64) -> Int? {
        switch event {
        case .answered(let upstream):
            guard (0..<count).contains(upstream), upstream < current else { return nil }
            current = upstream
            if upstream == 0 { firstChoiceTryAtMs = nil }
            return current
        case .failed(let upstream):
            guard (0..<count).contains(upstream), upstream == current, count > 1 else { return nil }
            current = (upstream + 1) % count
            if current == 0 {
                firstChoiceTryAtMs = nil
            } else if firstChoiceTryAtMs == nil {
                firstChoiceTryAtMs = nowMs.saturatingAdd(retryFirstMs)
            }
            return current
        }
    }

    /// Whether the first choice is due to be tried again at `nowMs`; if so the next try is set `retryFirstMs`
    /// later (one try per interval, whatever its outcome). Never while the first choice is in use.
    public mutating func takeFirstChoiceTry(nowMs: Int64) -> Bool {
        guard current != 0, let due = firstChoiceTryAtMs, nowMs >= due else { return false }
        firstChoiceTryAtMs = nowMs.saturatingAdd(retryFirstMs)
        return true
    }

    /// How long until the first choice is due to be tried (0 when due now); nil while it is in use.
    public func msUntilFirstChoiceTry(nowMs: Int64) -> Int64? {
        guard current != 0, let due = firstChoiceTryAtMs else { return nil }
        return max(0, due.saturatingSubtract(nowMs))
    }
}
