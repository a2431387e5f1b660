import Testing
import YiwangCore

/// How a node's configuration meets the province's grants (README "Datasets and policies come from the
/// province"): every combination of configured / granted / stored / never received.
@Suite struct DatasetPlanTests {
    static let province = NodeGrants(
        node: "430100", datasets: ["population", "social_security"],
        policies: ["population": .lww, "social_security": .siblings])

    @Test func withoutDatasetsConfiguredTheNodeHoldsWhatTheProvinceGrants() throws {
        let plan = DatasetPlan(configuredDatasets: nil, configuredPolicies: [:], grants: Self.province, fresh: true)
        #expect(plan.basis == .province && plan.policiesConfirmed)
        #expect(plan.datasets == ["population", "social_security"])
        #expect(plan.policies == Self.province.policies)
        #expect(plan.notGranted.isEmpty && plan.notHeld.isEmpty && plan.policyOverrides.isEmpty && plan.notes.isEmpty)
        try plan.admit("social_security", node: "430100")
        #expect(throws: YiwangError.self) { try plan.admit("finance", node: "430100") }
    }

    @Test func theProvincesPolicyWinsOverAConfiguredOneAndSaysSo() {
        let plan = DatasetPlan(
            configuredDatasets: nil, configuredPolicies: ["social_security": .lww, "population": .lww],
            grants: Self.province, fresh: true)
        #expect(plan.policy(for: "social_security") == .siblings)
        #expect(plan.policyOverrides == [.init(dataset: "social_security", configured: .lww, province: .siblings)])
        #expect(plan.notes.count == 1)
        #expect(plan.notes[0].contains("social_security") && plan.notes[0].contains("using siblings"))
    }

    @Test func aConfiguredDatasetTheProvinceDoesNotGrantIsRefusedNamingIt() throws {
        let plan = DatasetPlan(
            configuredDatasets: ["population", "finance"], configuredPolicies: [:], grants: Self.province, fresh: false)
        #expect(plan.basis == .stored && plan.policiesConfirmed)
        #expect(plan.datasets == ["population"])
        #expect(plan.notGranted == ["finance"])
        #expect(plan.notHeld == ["social_security"])
        // The feed may still carry a granted dataset the configuration leaves out: its policy is known.
        #expect(plan.policy(for: "social_security") == .siblings)
        let refused = try #require(refusal { () throws(YiwangError) in try plan.admit("finance", node: "430100") })
        #expect(refused.code == .forbidden && refused.field == "dataset")
        #expect(refused.message.contains("'finance'") && refused.message.contains("430100"))
        let notHeld = refusal { () throws(YiwangError) in try plan.admit("social_security", node: "430100") }
        #expect(notHeld?.code == .unknownDataset)
        #expect(plan.notes.contains { $0.contains("[finance]") && $0.contains("refused") })
        #expect(plan.notes.contains { $0.contains("stored") })
    }

    @Test func neverReachedWithDatasetsConfiguredWritesAreUnconfirmedAndNothingMerges() throws {
        let plan = DatasetPlan(
            configuredDatasets: ["population"], configuredPolicies: ["population": .siblings], grants: nil,
            fresh: false)
        #expect(plan.basis == .unconfirmed && !plan.policiesConfirmed)
        #expect(plan.datasets == ["population"])
        #expect(plan.policies.isEmpty, "a configured policy is never used for merging")
        #expect(plan.policy(for: "population") == nil)
        try plan.admit("population", node: "430100")
        #expect(plan.notes.contains { $0.contains("unconfirmed") })
    }

    @Test func neverReachedWithNothingConfiguredNoWriteIsTaken() {
        let plan = DatasetPlan(configuredDatasets: nil, configuredPolicies: [:], grants: nil, fresh: false)
        #expect(plan.basis == .unknown && plan.datasets.isEmpty)
        let refused = refusal { () throws(YiwangError) in try plan.admit("population", node: "430100") }
        #expect(refused?.code == .unavailable && refused?.message.contains("'population'") == true)
    }

    @Test func aProvinceThatGrantsNothing() {
        let nothing = NodeGrants(node: "430100", datasets: [], policies: [:])
        let plan = DatasetPlan(
            configuredDatasets: ["population"], configuredPolicies: [:], grants: nothing, fresh: true)
        #expect(plan.datasets.isEmpty && plan.notGranted == ["population"] && plan.policiesConfirmed)
        #expect(throws: YiwangError.self) { try plan.admit("population", node: "430100") }
    }
}

/// The error `body` throws, nil when it throws none.
func refusal(_ body: () throws(YiwangError) -> Void) -> YiwangError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}
