/// What merging an incoming version did.
public enum MergeOutcome: Hashable, Sendable {
    /// The version was new and became (part of) the visible state.
    case applied(RecordState, superseded: [Version])
    /// Equal to, or dominated by, what the replica has already seen: a duplicate or an obsolete version.
    case ignored
    /// Concurrent with a visible version: resolved by the policy, with every conflict recorded.
    case conflict(RecordState, [ConflictRecord])

    /// The state to store, or nil when nothing changes.
    public var newState: RecordState? {
        switch self {
        case .applied(let state, _), .conflict(let state, _): state
        case .ignored: nil
        }
    }
}

/// The merge rules of DESIGN.md, shared by the hub and every replica.
///
/// Convergence: the stored vector is the join of every version seen; under `lww` the visible version is the
/// greatest by (HLC, origin) of every version seen (a dominated version always has a smaller HLC, because
/// HLCs follow causality); under `siblings` the visible set is the set of versions not dominated by any
/// other. Both are functions of the set of versions seen, whatever the order or duplication of delivery.
public enum Merge {
    public static func merge(_ incoming: Version, into state: RecordState?, policy: MergePolicy) -> MergeOutcome {
        guard let state else { return .applied(RecordState(single: incoming), superseded: []) }
        // Equal to or dominated by the join: some version already seen includes it (its origin counter is unique).
        if incoming.vector.isCovered(by: state.vector) { return .ignored }
        let joined = state.vector.joined(with: incoming.vector)
        switch policy {
        case .lww: return mergeLastWriterWins(incoming, state: state, joined: joined)
        case .siblings: return mergeSiblings(incoming, state: state, joined: joined)
        }
    }

    private static func mergeLastWriterWins(_ incoming: Version, state: RecordState, joined: VersionVector)
        -> MergeOutcome
    {
        let current = state.winner
        switch incoming.vector.compare(current.vector) {
        case .after:
            return .applied(RecordState(vector: joined, visible: [incoming]), superseded: [current])
        case .equal, .before:
            // Covered by the winner but not by the join cannot happen; treat as a duplicate to stay safe.
            return .ignored
        case .concurrent:
            let (winner, loser) = incoming.winsOver(current) ? (incoming, current) : (current, incoming)
            let state = RecordState(vector: joined, visible: [winner])
            return .conflict(state, [ConflictRecord(winner: winner, loser: loser, resolution: .lastWriterWins)])
        }
    }

    private static func mergeSiblings(_ incoming: Version, state: RecordState, joined: VersionVector)
        -> MergeOutcome
    {
        var superseded: [Version] = []
        var kept: [Version] = []
        for sibling in state.visible {
            if sibling.vector.compare(incoming.vector) == .before {
                superseded.append(sibling)
            } else {
                kept.append(sibling)
            }
        }
        let visible = (kept + [incoming]).sorted { $0.winsOver($1) }
        let newState = RecordState(vector: joined, visible: visible)
        if kept.isEmpty { return .applied(newState, superseded: superseded) }
        let conflicts = kept.map { sibling in
            incoming.winsOver(sibling)
                ? ConflictRecord(winner: incoming, loser: sibling, resolution: .keptAsSiblings)
                : ConflictRecord(winner: sibling, loser: incoming, resolution: .keptAsSiblings)
        }
        return .conflict(newState, conflicts)
    }
}
