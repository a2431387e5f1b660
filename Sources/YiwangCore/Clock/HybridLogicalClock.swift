/// A source of wall-clock time in milliseconds since the Unix epoch; tests inject a manual one.
public protocol WallClock: Sendable {
    func nowMs() -> Int64
}

/// The hybrid logical clock state machine (Kulkarni et al.): never goes backwards, and a timestamp taken
/// after receiving a remote one is greater than it. Remote readings too far ahead of the local wall clock
/// are refused rather than trusted, so one bad clock cannot drag every replica into the future.
public struct HybridLogicalClock: Sendable {
    public private(set) var last: HLCTimestamp
    /// How far ahead of the local wall clock a remote reading may be, in milliseconds.
    public var maxForwardDriftMs: Int64

    public init(last: HLCTimestamp = .zero, maxForwardDriftMs: Int64 = 5 * 60 * 1000) {
        self.last = last
        self.maxForwardDriftMs = maxForwardDriftMs
    }

    /// A timestamp for a local or send event.
    public mutating func tick(wallMs: Int64) -> HLCTimestamp {
        advance(past: last, wallMs: wallMs)
    }

    /// A timestamp for a local event that must also follow `observed` (e.g. the version being overwritten).
    /// Throws when `observed` is further ahead of the wall clock than `maxForwardDriftMs`.
    public mutating func tick(after observed: HLCTimestamp, wallMs: Int64) throws(YiwangError) -> HLCTimestamp {
        try receive(observed, wallMs: wallMs)
    }

    /// Merges a remote timestamp into the clock and returns a timestamp greater than both.
    public mutating func receive(_ remote: HLCTimestamp, wallMs: Int64) throws(YiwangError) -> HLCTimestamp {
        let drift = remote.wallMs.saturatingSubtract(wallMs)
        if drift > maxForwardDriftMs {
            throw .clockAhead(driftMs: drift)
        }
        return advance(past: max(last, remote), wallMs: wallMs)
    }

    /// The one exception to "never goes backwards": once the node learns the province's time (README "Clocks")
    /// and finds its last reading further ahead of it than `maxForwardDriftMs` (it ran on a clock hours fast),
    /// the clock returns to that time, else every write would carry a time the hub refuses for hours. Versions
    /// already written keep their times; a write over one of them still follows it (`tick(after:)`).
    /// Returns whether it moved.
    @discardableResult
    public mutating func rebase(toWallMs wallMs: Int64) -> Bool {
        let (ahead, overflow) = last.wallMs.subtractingReportingOverflow(wallMs)
        guard !overflow, ahead > maxForwardDriftMs else { return false }
        last = HLCTimestamp(wallMs: wallMs)
        return true
    }

    private mutating func advance(past floor: HLCTimestamp, wallMs: Int64) -> HLCTimestamp {
        let next: HLCTimestamp
        if wallMs > floor.wallMs {
            next = HLCTimestamp(wallMs: wallMs, logical: 0)
        } else if floor.logical == UInt16.max {
            next = HLCTimestamp(wallMs: floor.wallMs.saturatingAdd(1), logical: 0)
        } else {
            next = HLCTimestamp(wallMs: floor.wallMs, logical: floor.logical + 1)
        }
        last = next
        return next
    }
}
