/// A small, fast, seeded generator (SplitMix64): the same seed gives the same run (faults, schedules,
/// property-test histories), so a failure reproduces from its printed seed.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    private var state: UInt64

    public init(seed: UInt64) { self.state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// The SplitMix64 finaliser: a good 64-bit hash of `value`.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A stable 64-bit hash of a string (FNV-1a), unlike `hashValue`, which changes from run to run.
    public static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// A uniform number in [0, 1) derived from `words`, the same for the same words in every run.
    public static func unitInterval(_ words: UInt64...) -> Double {
        var state: UInt64 = 0
        for word in words { state = mix(state ^ word &+ 0x9E37_79B9_7F4A_7C15) }
        return Double(state >> 11) / Double(UInt64(1) << 53)
    }
}
