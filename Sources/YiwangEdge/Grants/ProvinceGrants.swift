import Logging
import Synchronization
import YiwangCore
import YiwangStore

/// The node's current `DatasetPlan` and how it got it, shared by the local API (which datasets take writes,
/// `GET /v1/status`), the downlink (which merges only with the province's policies) and `GrantsService`
/// (which replaces the plan after every answer of the hub). Starts from the copy stored in the node's
/// database, so a restart while the hub is unreachable keeps the province's policies.
public final class ProvinceGrants: Sendable {
    public struct Snapshot: Sendable, Hashable {
        public var plan: DatasetPlan
        /// The grants the plan was built from (the hub's answer or its stored copy), nil when none.
        public var grants: NodeGrants?
        /// When those grants arrived from the hub (this node's time); nil when none.
        public var receivedAtMs: Int64?
        /// Why the last attempt to fetch them failed, nil after a success (or before any attempt).
        public var lastError: String?
    }

    let nodeID: String
    let configuredDatasets: [String]?
    let configuredPolicies: [String: MergePolicy]
    let store: EdgeStore
    let logger: Logger
    private let state: Mutex<Snapshot>
    /// Rung when the policies become the province's: the downlink waits on it.
    let confirmedBell = Doorbell()
    /// Rung to ask `GrantsService` for a fetch now (the feed carried a dataset the grants do not list).
    let refreshBell = Doorbell()

    /// The plan from the configuration and the stored grants (a stored copy that does not read back as this
    /// node's grants is reported and ignored). Hands the store the province's policies when known.
    public init(configuration: EdgeConfiguration, store: EdgeStore, logger: Logger) {
        nodeID = configuration.nodeID
        configuredDatasets = configuration.datasets
        configuredPolicies = configuration.policies
        self.store = store
        self.logger = logger
        var stored: (grants: NodeGrants, receivedAtMs: Int64)?
        var problem: String?
        do {
            stored = try store.storedGrants()
        } catch {
            problem = "the stored province grants are unreadable and were ignored: \(error.message)"
            logger.error("stored province grants ignored", metadata: ["yiwang.error": .string(error.message)])
        }
        let plan = DatasetPlan(
            configuredDatasets: configuration.datasets, configuredPolicies: configuration.policies,
            grants: stored?.grants, fresh: false)
        state = Mutex(
            Snapshot(plan: plan, grants: stored?.grants, receivedAtMs: stored?.receivedAtMs, lastError: problem))
        if plan.policiesConfirmed { store.usePolicies(plan.policies) }
        Self.log(plan, logger: logger)
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

    /// The plan local writes are checked against.
    public var plan: DatasetPlan { state.withLock { $0.plan } }

    /// Takes the hub's answer (validated): a new plan with the province's policies, used by every merge from
    /// now on. Logs what an operator must know when the plan changed.
    func adopt(_ grants: NodeGrants, atMs: Int64) {
        let plan = DatasetPlan(
            configuredDatasets: configuredDatasets, configuredPolicies: configuredPolicies, grants: grants,
            fresh: true)
        let previous = state.withLock { state -> DatasetPlan in
            defer { state = Snapshot(plan: plan, grants: grants, receivedAtMs: atMs, lastError: nil) }
            return state.plan
        }
        store.usePolicies(plan.policies)
        confirmedBell.ring()
        var unchanged = previous
        unchanged.basis = plan.basis
        if unchanged != plan {
            logger.notice(
                "province grants received",
                metadata: [
                    "yiwang.datasets": .string(plan.datasets.joined(separator: ",")),
                    "yiwang.previous_basis": .string(previous.basis.rawValue),
                ])
            Self.log(plan, logger: logger)
        }
    }

    /// Records a failed fetch; the plan stays as it is.
    func failed(_ message: String) {
        state.withLock { $0.lastError = message }
    }

    private static func log(_ plan: DatasetPlan, logger: Logger) {
        for note in plan.notes {
            logger.warning(
                "datasets and policies",
                metadata: ["yiwang.basis": .string(plan.basis.rawValue), "yiwang.note": .string(note)])
        }
    }
}
