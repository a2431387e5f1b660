/// Bounds and saturating arithmetic for the 64-bit numbers that arrive from peers or from stored rows
/// (STYLE.md section 10: decode, range-check, then use). Wire decoders REFUSE values outside these bounds;
/// readers of stored rows CLAMP into them (a row written by an older version must not stop the report);
/// time arithmetic on such values SATURATES at the ends of `Int64` instead of trapping.
public enum Millis {
    /// 9999-12-31T23:59:59.999Z in Unix milliseconds: the latest wall-clock time a peer may report.
    public static let maxWallMs: Int64 = 253_402_300_799_999
    /// Wall-clock milliseconds a peer may send: from the Unix epoch to the end of year 9999.
    public static let wallRange: ClosedRange<Int64> = 0...maxWallMs
    /// The largest wall-clock part an HLC can carry (`wallMs << 16` must fit an `Int64`): about year 6429.
    public static let maxHLCWallMs: Int64 = Int64.max >> 16

    /// A stored wall-clock reading clamped into `wallRange` (saturates; nil stays nil).
    @inlinable
    public static func clampWall(_ ms: Int64?) -> Int64? {
        ms.map { min(max($0, 0), maxWallMs) }
    }

    /// Whole milliseconds from a non-negative finite count (a parsed `1.5h`), refused (nil) when it does not
    /// fit an `Int64`: `Int64(someDouble)` traps on `1e30`.
    @inlinable
    public static func whole(_ ms: Double) -> Int64? {
        guard ms.isFinite, ms >= 0, ms < Double(Int64.max) else { return nil }
        return Int64(ms)
    }

    /// A stored offset or duration clamped into `-maxWallMs...maxWallMs` (saturates), so that adding or
    /// subtracting it from any wall-clock reading cannot overflow.
    @inlinable
    public static func clampSpan(_ ms: Int64) -> Int64 {
        min(max(ms, -maxWallMs), maxWallMs)
    }
}

extension Int64 {
    /// `self - other`, saturating at `Int64.min` / `Int64.max` instead of trapping.
    @inlinable
    public func saturatingSubtract(_ other: Int64) -> Int64 {
        let (result, overflow) = subtractingReportingOverflow(other)
        if !overflow { return result }
        return other < 0 ? .max : .min
    }

    /// `self + other`, saturating at `Int64.min` / `Int64.max` instead of trapping.
    @inlinable
    public func saturatingAdd(_ other: Int64) -> Int64 {
        let (result, overflow) = addingReportingOverflow(other)
        if !overflow { return result }
        return other < 0 ? .min : .max
    }
}

extension UInt64 {
    /// `self + other`, saturating at `UInt64.max` instead of trapping.
    @inlinable
    public func saturatingAdd(_ other: UInt64) -> UInt64 {
        let (result, overflow) = addingReportingOverflow(other)
        return overflow ? .max : result
    }

    /// `self - other`, saturating at 0 instead of trapping.
    @inlinable
    public func saturatingSubtract(_ other: UInt64) -> UInt64 {
        self >= other ? self - other : 0
    }

    /// The largest sequence number or counter a peer may send: it must fit the `INTEGER` column that
    /// stores it (SQLite integers are signed 64-bit).
    public static let maxStored = UInt64(Int64.max)
}
