import YiwangCore

/// SplitMix64: a tiny seeded generator so a failing property prints a seed that reproduces it.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func vv(_ pairs: [String: UInt64]) -> VersionVector { VersionVector(pairs) }

func version(
    _ pairs: [String: UInt64], key: String = "k", hlc: Int64, origin: String, op: Operation = .put,
    value: String? = nil, dataset: String = "population"
) -> Version {
    Version(
        dataset: dataset, key: key, vector: vv(pairs), hlc: HLCTimestamp(wallMs: hlc), origin: origin,
        actor: "clerk@\(origin)", operation: op, value: op == .put ? (value ?? "{\"v\":\(hlc)}") : nil)
}
