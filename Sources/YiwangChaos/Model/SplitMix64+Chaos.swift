import YiwangCore

/// The seeded generator lives in the core; chaos code names it as before.
public typealias SplitMix64 = YiwangCore.SplitMix64
