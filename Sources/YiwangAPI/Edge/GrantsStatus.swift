/// `grants` in a node's `GET /v1/status`: where its datasets and merge policies come from, and everything
/// the province's grants disagree with in its configuration (README "Datasets and policies come from the
/// province"). Every key is always present (null when unknown).
public struct GrantsStatus: Codable, Sendable, Hashable {
    /// A configured policy the province's replaces.
    public struct Override: Codable, Sendable, Hashable {
        public var dataset: String
        public var configured: String
        public var province: String
        public init(dataset: String, configured: String, province: String) {
            self.dataset = dataset
            self.configured = configured
            self.province = province
        }
    }

    /// `province` (the hub's answer in this run), `stored` (the copy of its last answer; the hub not reached
    /// since start), `unconfirmed` (configured datasets, the hub never reached), `unknown` (no datasets yet).
    public var basis: String
    /// Whether merges use the province's policies (false: the downlink waits for them).
    public var policiesConfirmed: Bool
    /// The datasets the province grants this node, and the policy of each (empty until known).
    public var granted: [String]
    public var policies: [String: String]
    /// When the grants arrived from the hub (node clock, ms), and how long ago.
    public var receivedAtMs: Int64?
    public var receivedAgeMs: Int64?
    /// Configured datasets the province does not grant (writes to them refused here).
    public var notGranted: [String]
    /// Granted datasets the configured `datasets` leave out.
    public var notHeld: [String]
    /// Configured policies the province's overrides.
    public var policyOverrides: [Override]
    /// The last failed fetch of the grants, nil after a success.
    public var lastError: String?
    /// One line per thing an operator should know, as the node logs them.
    public var notes: [String]

    public init(
        basis: String, policiesConfirmed: Bool, granted: [String], policies: [String: String], receivedAtMs: Int64?,
        receivedAgeMs: Int64?, notGranted: [String], notHeld: [String], policyOverrides: [Override],
        lastError: String?, notes: [String]
    ) {
        self.basis = basis
        self.policiesConfirmed = policiesConfirmed
        self.granted = granted
        self.policies = policies
        self.receivedAtMs = receivedAtMs
        self.receivedAgeMs = receivedAgeMs
        self.notGranted = notGranted
        self.notHeld = notHeld
        self.policyOverrides = policyOverrides
        self.lastError = lastError
        self.notes = notes
    }

    enum CodingKeys: String, CodingKey {
        case basis, policiesConfirmed, granted, policies, receivedAtMs, receivedAgeMs, notGranted, notHeld
        case policyOverrides, lastError, notes
    }

    public func encode(to encoder: any Encoder) throws {
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
