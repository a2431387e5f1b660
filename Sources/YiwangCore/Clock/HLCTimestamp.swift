/// A hybrid logical clock reading: wall-clock milliseconds plus a logical counter that orders events
/// within the same millisecond. Packs into one `Int64` (`wallMs << 16 | logical`) that sorts the same way.
public struct HLCTimestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var wallMs: Int64
    public var logical: UInt16

    public init(wallMs: Int64, logical: UInt16 = 0) {
        self.wallMs = wallMs
        self.logical = logical
    }

    public init(packed: Int64) {
        wallMs = packed >> 16
        logical = UInt16(truncatingIfNeeded: packed & 0xFFFF)
    }

    public var packed: Int64 { wallMs << 16 | Int64(logical) }

    public static let zero = HLCTimestamp(wallMs: 0)

    public static func < (lhs: HLCTimestamp, rhs: HLCTimestamp) -> Bool {
        (lhs.wallMs, lhs.logical) < (rhs.wallMs, rhs.logical)
    }

    public var description: String { "\(wallMs).\(logical)" }
}
