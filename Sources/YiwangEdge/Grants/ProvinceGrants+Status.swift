import YiwangAPI
import YiwangCore

extension GrantsStatus {
    /// The status of a node's grants as `ProvinceGrants` holds them, ages measured at `nowMs`.
    init(_ snapshot: ProvinceGrants.Snapshot, nowMs: Int64) {
        let plan = snapshot.plan
        self.init(
            basis: plan.basis.rawValue, policiesConfirmed: plan.policiesConfirmed,
            granted: snapshot.grants?.datasets ?? [], policies: plan.policies.mapValues(\.rawValue),
            receivedAtMs: snapshot.receivedAtMs,
            receivedAgeMs: snapshot.receivedAtMs.map { max(0, nowMs.saturatingSubtract($0)) },
            notGranted: plan.notGranted, notHeld: plan.notHeld,
            policyOverrides: plan.policyOverrides.map {
                Override(dataset: $0.dataset, configured: $0.configured.rawValue, province: $0.province.rawValue)
            },
            lastError: snapshot.lastError, notes: plan.notes)
    }
}
