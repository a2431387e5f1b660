import Foundation
import Testing
import YiwangCore
import YiwangHub
import YiwangStore
import YiwangTesting

/// The hub's batch rules moved into a pure plan (`BatchPlan`) without changing a byte of what the hub stores:
/// one scripted run over every rule (applies, duplicates, both conflict policies, each refusal, a reused
/// sequence, a gap, holds, a release, a release that waits again, the report's quarantine and clock notes)
/// must end with the audit head and the stored rows the applier produced before the move.
@Suite struct BatchApplierGoldenTests {
    let policies: [String: MergePolicy] = ["population": .lww, "social_security": .siblings]
    let grants: Set<String> = ["population", "social_security"]
    let start: Int64 = 1_800_000_000_000
    let city = Fixtures.city
    let other = Fixtures.otherCity
    let county = Fixtures.county
    /// Outside the fixture topology (the store's rules run with the open scope here).
    let far = "430900"

    func v(
        _ node: String, _ counter: UInt64, _ key: String, dataset: String = "population", hlc: Int64,
        extra: [String: UInt64] = [:]
    ) -> Version {
        Fixtures.version(
            node: node, counter: counter, dataset: dataset, key: key, value: #"{"k":"\#(key)","n":\#(counter)}"#,
            hlcMs: start + hlc, extra: extra)
    }

    /// The script; every step's acknowledgement and counts go into the fingerprint.
    func run(_ store: HubStore) async throws -> [String] {
        var lines: [String] = []
        var now = start
        func send(_ node: String, _ firstSeq: UInt64, _ versions: [Version], report: NodeReport? = nil) async throws {
            now += 1_000
            var batch = Fixtures.batch(node: node, firstSeq: firstSeq, versions, clockMs: now - 250)
            if let report { batch.report = report }
            let outcome = try await store.apply(batch: batch, policies: policies, grants: grants, nowMs: now)
            // As recorded before acknowledgements could carry `heldThrough` (a relay's field; nil from the hub).
            lines.append("\(node)@\(firstSeq): \(outcome)".replacingOccurrences(of: ", heldThrough: nil", with: ""))
        }
        try await send(
            city, 1,
            [v(city, 1, "k1", hlc: 1), v(city, 2, "k2", hlc: 2), v(city, 3, "s1", dataset: "social_security", hlc: 3)])
        try await send(
            city, 1,
            [
                v(city, 1, "k1", hlc: 1), v(city, 2, "k2", hlc: 2),
                v(city, 3, "s1", dataset: "social_security", hlc: 3), v(city, 4, "k1", hlc: 4),
            ])
        try await send(other, 1, [v(other, 1, "k1", hlc: 9), v(other, 2, "s1", dataset: "social_security", hlc: 1)])
        var ahead = v(city, 6, "k3", hlc: 10 * 60_000)
        ahead.hlc = HLCTimestamp(wallMs: start + 20 * 60_000)
        var foreign = v(city, 7, "k3", hlc: 7)
        foreign.origin = other
        try await send(
            city, 5, [v(city, 5, "f1", dataset: "finance", hlc: 5), ahead, foreign, v(city, 8, "k3", hlc: 8)])
        try await send(city, 7, [foreign, v(city, 8, "k3-reused", hlc: 8)])  // seq 8 resent with other content
        try await send(city, 20, [v(city, 20, "k9", hlc: 20)])  // a gap
        try await send(county, 1, [v(county, 1, "k4", hlc: 11, extra: [other: 5])])  // held for other@5
        try await send(county, 2, [v(county, 2, "k5", hlc: 12, extra: [city: 1])])  // holds
        try await send(county, 3, [v(county, 3, "k1", hlc: 13, extra: [other: 3, city: 4])])  // held for other@3
        try await send(county, 4, [v(county, 4, "k6", hlc: 14, extra: [other: 4, far: 1])])  // held, then far@1
        try await send(
            other, 3,
            [v(other, 3, "k7", hlc: 15), v(other, 4, "k1", hlc: 16, extra: [city: 4]), v(other, 5, "k8", hlc: 17)])
        try await send(far, 1, [v(far, 1, "k6", hlc: 18)])  // releases the last held change
        let quarantine = NodeReport(
            backlog: 0, oldestPendingMs: nil, oldestAfterBatchMs: nil, clockMs: now + 750,
            hlc: HLCTimestamp(wallMs: now),
            quarantined: 2, oldestQuarantinedMs: start + 5, clockSkewMs: 120_000)
        try await send(city, 9, [], report: quarantine)
        try await send(other, 6, [], report: quarantine)
        return lines
    }

    func fingerprint(_ store: HubStore, steps: [String]) async throws -> String {
        var lines = steps
        lines.append("audit: \(try await store.auditHead())")
        lines.append("verify: \(try await store.verifyAudit(expecting: nil).isIntact)")
        for (_, node) in try await store.nodes().sorted(by: { $0.key < $1.key }) { lines.append(Self.line(node)) }
        for rejected in try await store.rejectedChanges(node: nil) { lines.append("\(rejected)") }
        for dataset in ["population", "social_security"] {
            lines.append("\(dataset): \(try await store.digest(dataset: dataset))")
        }
        return lines.joined(separator: "\n")
    }

    /// A node's stored fields, one line, in the form the digest was recorded in (before the plan, when the
    /// record's fields were its own): field names and values as Swift's default description prints them.
    static func line(_ node: HubNodeRecord) -> String {
        let fields: [(String, Any)] = [
            ("id", node.id), ("highWater", node.highWater), ("lastContactMs", node.lastContactMs as Any),
            ("dataAsOfMs", node.dataAsOfMs as Any), ("backlog", node.backlog),
            ("oldestPendingMs", node.oldestPendingMs as Any), ("clockOffsetMs", node.clockOffsetMs),
            ("changesApplied", node.changesApplied), ("conflicts", node.conflicts),
            ("rejectedBatches", node.rejectedBatches), ("rejectedChanges", node.rejectedChanges),
            ("lastError", node.lastError as Any), ("lastErrorAtMs", node.lastErrorAtMs as Any),
            ("heldChanges", node.heldChanges), ("oldestHeldMs", node.oldestHeldMs as Any),
            ("quarantined", node.quarantined), ("oldestQuarantinedMs", node.oldestQuarantinedMs as Any),
        ]
        return "HubNodeRecord(" + fields.map { "\($0.0): \(String(reflecting: $0.1))" }.joined(separator: ", ") + ")"
    }

    @Test(.timeLimit(.minutes(1))) func theScriptedRunStoresWhatTheApplierStoredBeforeThePlan() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        let text = try await fingerprint(store, steps: try await run(store))
        let digest = AuditHash.of(text).hex
        #expect(try await store.auditHead().description == Self.auditHead, "\(text)")
        #expect(digest == Self.rowsDigest, "\(text)")
    }

    static let auditHead = "25:a16637a478cdb1b2050add4d27f36a5431b968106c44fb5075df2c14f6672124"
    static let rowsDigest = "c5dfff4f1f7dc000d54e5afb3eca984bc45ec3126225fd13c686de28e36e620b"
}
