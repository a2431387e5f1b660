/// A source of milliseconds that never jumps (CLOCK_MONOTONIC): only differences between its readings mean
/// anything. Tests inject a manual one.
public protocol ElapsedClock: Sendable {
    func elapsedMs() -> Int64
}

/// The province's time as this node knows it: a node's HLC, commit times and reports are read from the hub's
/// clock, not from the local one, so a municipal server hours off (no NTP) neither has its writes refused as
/// "far in the future", nor wins every last-writer-wins merge, nor refuses the province's versions.
///
/// Every exchange with the hub measures it: the hub's clock in the answer is taken as the hub's time at the
/// midpoint of the round trip (error at most half the round trip), and kept as an offset to a clock that never
/// jumps, so a local wall clock that jumps between exchanges changes nothing. Until the first measurement the
/// local wall clock plus the last skew known is used. Pure value; all arithmetic saturates.
public struct ClockReference: Sendable, Hashable {
    /// The hub's time minus the elapsed clock, at the last measurement; nil until measured.
    public private(set) var anchorMs: Int64?
    /// The local wall clock minus the hub's, at the last measurement (or restored): the fallback offset.
    public private(set) var skewMs: Int64
    /// The round trip of the last measurement (its error bound is half of it).
    public private(set) var roundTripMs: Int64?

    public init(anchorMs: Int64? = nil, skewMs: Int64 = 0) {
        self.anchorMs = anchorMs
        self.skewMs = skewMs
    }

    /// The province's time now.
    public func nowMs(localMs: Int64, elapsedMs: Int64) -> Int64 {
        if let anchorMs { return elapsedMs.addingSaturating(anchorMs) }
        return localMs.subtractingSaturating(skewMs)
    }

    /// The local wall clock minus the province's time, now (a local jump shows at once).
    public func currentSkewMs(localMs: Int64, elapsedMs: Int64) -> Int64 {
        localMs.subtractingSaturating(nowMs(localMs: localMs, elapsedMs: elapsedMs))
    }

    /// Takes one measurement: a request sent at elapsed `sentMs`, answered with the hub's clock `hubMs`,
    /// received at elapsed `receivedMs` and local wall clock `localMs`. A reading that is not a time (negative,
    /// or an answer received before it was sent) is ignored and returns false.
    @discardableResult
    public mutating func measure(hubMs: Int64, sentMs: Int64, receivedMs: Int64, localMs: Int64) -> Bool {
        guard hubMs > 0, receivedMs >= sentMs else { return false }
        let roundTrip = receivedMs.subtractingSaturating(sentMs)
        let hubAtReceipt = hubMs.addingSaturating(roundTrip / 2)
        anchorMs = hubAtReceipt.subtractingSaturating(receivedMs)
        skewMs = localMs.subtractingSaturating(hubAtReceipt)
        roundTripMs = roundTrip
        return true
    }

    /// What an operator reads: "clock 2h ahead of the hub", or nil while the skew is within `toleranceMs`.
    public static func skewDescription(_ skewMs: Int64, toleranceMs: Int64 = 60_000) -> String? {
        guard skewMs.magnitude > UInt64(max(0, toleranceMs)) else { return nil }
        let direction = skewMs > 0 ? "ahead of" : "behind"
        return "clock \(roundedAmount(skewMs.magnitude)) \(direction) the hub (the node uses the hub's time; fix its NTP)"
    }

    /// `2h`, `90m`, `75s`: rounded to the nearest unit (a skew measured as 1 h 59 m 59.96 s reads `2h`).
    static func roundedAmount(_ ms: UInt64) -> String {
        let seconds = (ms + 500) / 1_000
        if seconds >= 48 * 3_600 { return "\((seconds + 43_200) / 86_400)d" }
        if seconds >= 90 * 60 { return "\((seconds + 1_800) / 3_600)h" }
        if seconds >= 90 { return "\((seconds + 30) / 60)m" }
        return "\(seconds)s"
    }
}

// File-private so that they cannot collide with other saturating helpers in the module.
extension Int64 {
    /// `self + other`, clamped to `Int64.min...Int64.max` instead of trapping.
    fileprivate func addingSaturating(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    /// `self - other`, clamped to `Int64.min...Int64.max` instead of trapping.
    fileprivate func subtractingSaturating(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other < 0 ? .max : .min) : difference
    }
}
