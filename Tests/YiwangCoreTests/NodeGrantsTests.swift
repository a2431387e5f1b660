import Testing
import YiwangCore

/// A hub's grants answer is a peer's claim: checked before the node uses any of it.
@Suite struct NodeGrantsTests {
    static let good = NodeGrants(
        node: "430100", datasets: ["social_security", "population"],
        policies: ["population": .lww, "social_security": .siblings, "finance": .siblings])

    @Test func sortedDeduplicatedAndOnlyTheGrantedPolicies() throws {
        #expect(Self.good.datasets == ["population", "social_security"])
        #expect(Self.good.policies == ["population": .lww, "social_security": .siblings])
        #expect(try Self.good.validated(for: "430100") == Self.good)
    }

    /// Raw answers, as a decoder would produce them (duplicates and stray entries kept).
    static func raw(node: String = "430100", datasets: [String], policies: [String: MergePolicy]) -> NodeGrants {
        var grants = NodeGrants(node: node, datasets: [], policies: [:])
        grants.datasets = datasets
        grants.policies = policies
        return grants
    }

    @Test(arguments: [
        ("another node", raw(node: "430200", datasets: [], policies: [:]), "node"),
        ("a Kelvin sign for K", raw(node: "43010\u{212A}", datasets: [], policies: [:]), "node"),
        ("a dataset twice", raw(datasets: ["population", "population"], policies: ["population": .lww]), "datasets"),
        ("no policy", raw(datasets: ["population"], policies: [:]), "policies"),
        ("a bad name", raw(datasets: ["pop/ulation"], policies: ["pop/ulation": .lww]), "datasets"),
        ("an empty name", raw(datasets: [""], policies: ["": .lww]), "datasets"),
        (
            "a name of 65 bytes", raw(datasets: [String(repeating: "a", count: 65)],
                                       policies: [String(repeating: "a", count: 65): .lww]), "datasets"
        ),
    ])
    func refused(_ name: String, _ grants: NodeGrants, _ field: String) {
        let refused = refusal { () throws(YiwangError) in _ = try grants.validated(for: "430100") }
        #expect(refused?.field == field, "\(name): \(String(describing: refused))")
    }

    @Test func atTheLimitsOfCount() throws {
        let names = (0..<NodeGrants.maxDatasets).map { "d\($0)" }
        let policies = Dictionary(uniqueKeysWithValues: names.map { ($0, MergePolicy.lww) })
        #expect(try Self.raw(datasets: names, policies: policies).validated(for: "430100").datasets.count == names.count)
        let over = names + ["one-more"]
        #expect(throws: YiwangError.self) {
            try Self.raw(datasets: over, policies: policies.merging(["one-more": .lww]) { $1 }).validated(for: "430100")
        }
        // Nothing granted is a valid answer.
        #expect(try Self.raw(datasets: [], policies: ["finance": .lww]).validated(for: "430100").policies.isEmpty)
    }
}
