/// How a dataset resolves concurrent versions.
public enum MergePolicy: String, Sendable, Hashable, CaseIterable {
    /// Last writer wins: the higher HLC (then origin id) is visible; the loser goes to the conflict log.
    case lww
    /// Every concurrent version stays readable until a later write that dominates them all.
    case siblings
}
