/// Which datasets a node holds and how it merges them, reconciled from its configuration and the province's
/// grants (README "Datasets and policies come from the province"). Pure: the edge builds one at start from
/// its stored grants, and again after every answer of the hub.
///
/// - With grants (fresh from the hub, or the copy stored from its last answer): the node holds the granted
///   datasets (narrowed to the configured ones when `datasets` is configured) and merges each with the
///   province's policy, whatever it was configured with; a configured dataset the province does not grant is
///   refused locally, and a configured policy that differs is overridden, both reported.
/// - Without grants (the hub never reached, nothing stored): the configured datasets are writable but
///   `unconfirmed` (a local write dominates its record, so no policy is used for it; the downlink, which does
///   merge, waits for the grants); with no datasets configured, nothing is writable until the grants arrive.
public struct DatasetPlan: Sendable, Hashable {
    /// Where the node's datasets and policies come from right now.
    public enum Basis: String, Sendable, Hashable, CaseIterable {
        /// The hub's answer during this run.
        case province
        /// The copy of the hub's last answer stored in the node's database (the hub not reached since start).
        case stored
        /// The configured datasets, not yet confirmed by the province (the hub never reached).
        case unconfirmed
        /// Nothing configured, nothing stored, the hub never reached: no dataset is writable yet.
        case unknown
    }

    /// A configured policy the province's replaces.
    public struct PolicyOverride: Sendable, Hashable {
        public var dataset: String
        public var configured: MergePolicy
        public var province: MergePolicy
        public init(dataset: String, configured: MergePolicy, province: MergePolicy) {
            self.dataset = dataset
            self.configured = configured
            self.province = province
        }
    }

    public var basis: Basis
    /// The datasets local writes may go to, sorted.
    public var datasets: [String]
    /// The province's policy of every granted dataset (held or not: the feed may carry any of them); empty
    /// until the grants are known. The configured policies are never used for merging.
    public var policies: [String: MergePolicy]
    /// Configured datasets the province does not grant this node: writes to them are refused here.
    public var notGranted: [String]
    /// Granted datasets the configured list leaves out: not writable here.
    public var notHeld: [String]
    /// Configured policies that differ from the province's (the province's is used).
    public var policyOverrides: [PolicyOverride]

    /// - Parameters:
    ///   - configuredDatasets: the `datasets` setting, nil when not given.
    ///   - grants: the province's grants (already `validated(for:)`), nil when never received.
    ///   - fresh: whether `grants` is the hub's answer in this run (else the stored copy).
    public init(
        configuredDatasets: [String]?, configuredPolicies: [String: MergePolicy], grants: NodeGrants?,
        fresh: Bool
    ) {
        let configured = configuredDatasets.map { Set($0) }
        func sorted(_ names: some Sequence<String>) -> [String] { names.sorted { ByteKey.less($0, $1) } }
        guard let grants else {
            basis = configured == nil ? .unknown : .unconfirmed
            datasets = sorted(configured ?? [])
            policies = [:]
            notGranted = []
            notHeld = []
            policyOverrides = []
            return
        }
        let granted = Set(grants.datasets)
        basis = fresh ? .province : .stored
        datasets = sorted(configured.map { $0.intersection(granted) } ?? granted)
        policies = grants.policies
        notGranted = sorted(configured?.subtracting(granted) ?? [])
        notHeld = configured.map { sorted(granted.subtracting($0)) } ?? []
        policyOverrides = sorted(configuredPolicies.keys).compactMap { dataset in
            guard let province = grants.policies[dataset], let mine = configuredPolicies[dataset], mine != province
            else { return nil }
            return PolicyOverride(dataset: dataset, configured: mine, province: province)
        }
    }

    /// Whether the merge policies are the province's (the downlink merges only then).
    public var policiesConfirmed: Bool { basis == .province || basis == .stored }

    /// The province's policy of `dataset`, nil when the province's grants do not give one.
    public func policy(for dataset: String) -> MergePolicy? { policies[dataset] }

    /// Refuses a local write to `dataset` unless it is writable here; the error names the dataset and why.
    public func admit(_ dataset: String, node: String) throws(YiwangError) {
        if datasets.contains(where: { ByteKey.equal($0, dataset) }) { return }
        if notGranted.contains(where: { ByteKey.equal($0, dataset) }) {
            throw YiwangError(
                code: .forbidden, field: "dataset",
                message: "dataset '\(dataset)' is not granted to node '\(node)' by the province's topology")
        }
        if basis == .unknown {
            throw .unavailable(
                "dataset '\(dataset)': this node's datasets are not known yet (the hub has not been reached and "
                    + "no datasets are configured); writes are taken once the province's grants arrive")
        }
        throw .unknownDataset(dataset)
    }

    /// One line per thing an operator should know (for the log and `GET /v1/status`); empty when none.
    public var notes: [String] {
        var notes: [String] = []
        switch basis {
        case .province: break
        case .stored:
            notes.append("datasets and policies from the province's last answer (stored); the hub not reached yet")
        case .unconfirmed:
            notes.append(
                "datasets [\(datasets.joined(separator: ", "))] are unconfirmed by the province (the hub was never "
                    + "reached); the downlink waits for the province's policies")
        case .unknown:
            notes.append("no datasets yet: none configured, and the province's grants were never received")
        }
        if !notGranted.isEmpty {
            notes.append(
                "configured dataset(s) [\(notGranted.joined(separator: ", "))] are not granted by the province; "
                    + "writes to them are refused")
        }
        for override in policyOverrides {
            notes.append(
                "dataset '\(override.dataset)' is configured \(override.configured.rawValue) but the province "
                    + "says \(override.province.rawValue); using \(override.province.rawValue)")
        }
        return notes
    }
}
