import YiwangCore

/// `grants` in the node's `GET /v1/status`: where its datasets and merge policies come from, and everything
/// the province's grants disagree with in its configuration. Every key is always present (null when unknown).
struct GrantsStatus: Encodable, Sendable {
    /// `province` (the hub's answer in this run), `stored` (the copy of its last answer; the hub not reached
    /// since start), `unconfirmed` (configured datasets, the hub never reached), `unknown` (no datasets yet).
    var basis: String
    /// Whether merges use the province's policies (false: the downlink waits).
    var policiesConfirmed: Bool
    /// The datasets the province grants this node, and each one's policy (empty until known).
    var granted: [String]
    var policies: [String: String]
    var receivedAtMs: Int64?
    var receivedAgeMs: Int64?
    /// Configured datasets the province does not grant (writes refused here), granted ones left out by the
    /// configuration, and configured policies the province's overrides.
    var notGranted: [String]
    var notHeld: [String]
    var policyOverrides: [Override]
    /// The last failed fetch of the grants, nil after a success.
    var lastError: String?
    /// One line per thing an operator should know, as logged.
    var notes: [String]

    struct Override: Encodable, Sendable {
        var dataset: String
        var configured: String
        var province: String
    }

    init(_ snapshot: ProvinceGrants.Snapshot, nowMs: Int64) {
        let plan = snapshot.plan
        basis = plan.basis.rawValue
        policiesConfirmed = plan.policiesConfirmed
        granted = snapshot.grants?.datasets ?? []
        policies = plan.policies.mapValues(\.rawValue)
        receivedAtMs = snapshot.receivedAtMs
        receivedAgeMs = snapshot.receivedAtMs.map { max(0, nowMs.saturatingSubtract($0)) }
        notGranted = plan.notGranted
        notHeld = plan.notHeld
        policyOverrides = plan.policyOverrides.map {
            Override(dataset: $0.dataset, configured: $0.configured.rawValue, province: $0.province.rawValue)
        }
        lastError = snapshot.lastError
        notes = plan.notes
    }

    enum CodingKeys: String, CodingKey {
        case basis, policiesConfirmed, granted, policies, receivedAtMs, receivedAgeMs, notGranted, notHeld
        case policyOverrides, lastError, notes
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(basis, forKey: .basis)
        try c.encode(policiesConfirmed, forKey: .policiesConfirmed)
        try c.encode(granted, forKey: .granted)
        try c.encode(policies, forKey: .policies)
        try c.encode(receivedAtMs, forKey: .receivedAtMs)
        try c.encode(receivedAgeMs, forKey: .receivedAgeMs)
        try c.encode(notGranted, forKey: .notGranted)
        try c.encode(notHeld, forKey: .notHeld)
        try c.encode(policyOverrides, forKey: .policyOverrides)
        try c.encode(lastError, forKey: .lastError)
        try c.encode(notes, forKey: .notes)
    }
}
