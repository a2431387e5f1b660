import YiwangCore

/// Values for the tests of the hub's batch rules (`BatchPlan`, `HeldRelease`): no store, no clock, no I/O.
enum Plan {
    static let node = "430100"
    static let other = "430200"
    static let far = "430900"
    static let hub = "430000"
    static let now: Int64 = 1_800_000_000_000
    static let limits = HubBatchRules.Limits(
        maxClockAheadMs: 300_000, maxHeldPerNode: 10, maxHeldBytesPerNode: 1 << 20)
    static let scope = ClaimScope(hubID: hub, nodes: [node, other, far])

    static func rules(
        now: Int64 = now, limits: HubBatchRules.Limits = limits, scope: ClaimScope = scope,
        grants: Set<String> = ["population", "social_security", "education"]
    ) -> HubBatchRules {
        HubBatchRules(
            policies: ["population": .lww, "social_security": .siblings], grants: grants, scope: scope, nowMs: now,
            limits: limits)
    }

    static func version(
        _ origin: String = node, _ counter: UInt64, key: String = "k", dataset: String = "population",
        hlc: Int64 = now - 1_000, extra: [String: UInt64] = [:], value: String? = nil
    ) -> Version {
        var pairs = extra
        pairs[origin] = counter
        return Version(
            dataset: dataset, key: key, vector: VersionVector(pairs), hlc: HLCTimestamp(wallMs: hlc), origin: origin,
            actor: "clerk-7", operation: .put, value: value ?? #"{"n":\#(counter)}"#)
    }

    /// `count` changes of `origin` from `first`, each its own key `k<seq>`.
    static func changes(_ origin: String = node, from first: UInt64 = 1, count: Int) -> [Change] {
        (0..<count).map { offset in
            let seq = first + UInt64(offset)
            return Change(seq: seq, version: version(origin, seq, key: "k\(seq)"))
        }
    }

    static func change(_ version: Version, seq: UInt64? = nil) -> Change {
        Change(seq: seq ?? version.vector.counter(for: version.origin), version: version)
    }

    static func report(
        backlog: UInt64 = 0, oldestPendingMs: Int64? = nil, oldestAfterBatchMs: Int64? = nil, clockMs: Int64 = now,
        quarantined: UInt64 = 0, oldestQuarantinedMs: Int64? = nil, clockSkewMs: Int64? = nil
    ) -> NodeReport {
        NodeReport(
            backlog: backlog, oldestPendingMs: oldestPendingMs, oldestAfterBatchMs: oldestAfterBatchMs,
            clockMs: clockMs, hlc: HLCTimestamp(wallMs: max(0, min(clockMs, Millis.maxHLCWallMs))),
            quarantined: quarantined, oldestQuarantinedMs: oldestQuarantinedMs, clockSkewMs: clockSkewMs)
    }

    static func batch(
        _ changes: [Change], firstSeq: UInt64? = nil, report: NodeReport? = nil, skip: SkipMark? = nil,
        from sender: String = node
    ) -> SyncBatch {
        SyncBatch(
            node: sender, firstSeq: firstSeq ?? changes.first?.seq ?? 1,
            report: report ?? Plan.report(backlog: UInt64(changes.count)), changes: changes, skip: skip)
    }

    static func bookkeeping(_ id: String = node, highWater: UInt64 = 0) -> NodeBookkeeping {
        var node = NodeBookkeeping(id: id)
        node.highWater = highWater
        return node
    }

    static func plan(
        _ batch: SyncBatch, node: NodeBookkeeping = bookkeeping(), rules: HubBatchRules = rules(),
        prefetched: BatchPrefetch = BatchPrefetch()
    ) throws -> BatchPlan {
        try BatchPlan(batch: batch, node: node, rules: rules, prefetched: prefetched)
    }

    static func states(_ versions: Version...) -> RecordStates {
        var states = RecordStates()
        for version in versions {
            states[dataset: version.dataset, key: version.key] = RecordState(single: version)
        }
        return states
    }

    /// A decision as a short word: `applied`, `conflict`, `obsolete`, `duplicate`, `refuse:CODE`,
    /// `hold:NODE@COUNTER`, `rewait:NODE@COUNTER`.
    static func word(_ action: ChangeDecision.Action) -> String {
        switch action {
        case .duplicate: "duplicate"
        case .merge(.applied): "applied"
        case .merge(.conflict): "conflict"
        case .merge(.ignored): "obsolete"
        case .refuse(let error): "refuse:\(error.code)"
        case .hold(let held): "hold:\(held.waitNode)@\(held.waitCounter)"
        case .rewait(let node, let counter): "rewait:\(node)@\(counter)"
        }
    }

    static func words(_ plan: BatchPlan) -> [String] { plan.decisions.map { word($0.action) } }
}
