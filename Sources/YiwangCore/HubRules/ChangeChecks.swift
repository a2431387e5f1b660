/// The hub-only checks around `Merge.merge`; each message names what is wrong, never the value.
public enum ChangeChecks {
    /// The checks every incoming change from `sender` must pass: well-formed texts and value, its own origin,
    /// a granted dataset, an entry for its origin, and a clock not too far ahead of the hub's.
    public static func validate(_ version: Version, sender: String, rules: HubBatchRules) throws(YiwangError) {
        try Validation.nodeID(version.origin, field: "origin")
        guard ByteKey.equal(version.origin, sender) else {
            throw .forbidden("change originates at '\(version.origin)'; node '\(sender)' may send only its own")
        }
        try Validation.dataset(version.dataset)
        guard rules.grants.contains(version.dataset) else { throw .unknownDataset(version.dataset) }
        try Validation.key(version.key)
        try Validation.actor(version.actor)
        if version.operation == .put { try Validation.value(version.value ?? "") }
        for entry in version.vector.entries { try Validation.nodeID(entry.node, field: "vector") }
        guard version.vector.counter(for: version.origin) > 0 else {
            throw .invalidVector("the vector has no entry for its origin '\(version.origin)'")
        }
        let drift = version.hlc.wallMs.saturatingSubtract(rules.nowMs)
        if drift > rules.limits.maxClockAheadMs { throw .clockAhead(driftMs: drift) }
    }

    /// An origin's counter only grows: a new version (not already covered) must carry a higher counter for
    /// its origin than any version of the record the hub has seen; else the node reused a counter.
    public static func notBackwards(_ version: Version, current: RecordState) throws(YiwangError) {
        let stored = current.vector
        if version.vector.isCovered(by: stored) { return }
        let seen = stored.counter(for: version.origin)
        let incoming = version.vector.counter(for: version.origin)
        if incoming <= seen {
            throw .invalidVector(
                "the vector goes backwards: '\(version.origin)' counter \(incoming) after \(seen) was seen")
        }
    }
}

/// Merges the changes of one plan into the prefetched states and counts what happened (shared by the batch's
/// plan and the release of held changes).
struct PlanMerger {
    let rules: HubBatchRules
    var records: RecordStates
    /// Changes that changed the hub's state (including conflicts).
    var applied = 0
    /// Changes already held (resent) or obsolete.
    var duplicates = 0
    /// Conflict records for the conflict log.
    var conflicts = 0

    /// Checks that the vector does not go backwards, then merges under the dataset's policy.
    mutating func merge(_ version: Version, node: inout NodeBookkeeping) throws(YiwangError) -> MergeOutcome {
        let current = records[dataset: version.dataset, key: version.key]
        if let current { try ChangeChecks.notBackwards(version, current: current) }
        let outcome = Merge.merge(version, into: current, policy: rules.policies[version.dataset] ?? .lww)
        switch outcome {
        case .applied:
            applied += 1
            node.changesApplied = node.changesApplied.saturatingAdd(1)
        case .ignored:
            duplicates += 1
        case .conflict(_, let records):
            applied += 1
            node.changesApplied = node.changesApplied.saturatingAdd(1)
            conflicts += records.count
            node.conflicts = node.conflicts.saturatingAdd(UInt64(records.count))
        }
        if let state = outcome.newState { records[dataset: version.dataset, key: version.key] = state }
        return outcome
    }
}
