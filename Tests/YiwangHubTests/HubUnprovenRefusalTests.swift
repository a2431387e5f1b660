import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import YiwangCore
import YiwangHTTP
import YiwangHub
import YiwangStore
import YiwangTesting

/// Unauthenticated traffic has no side effects (issue 13, class 5): refusals of unproven senders move no
/// node's report, and their audit rows are bounded in total, whatever names they claim.
@Suite struct HubUnprovenRefusalTests {
    @Test(.timeLimit(.minutes(1))) func aFloodWithRotatingNamesIsBoundedInTotalAndChangesNoReport() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        let city = try await hub.store.issueCredential(name: Fixtures.city, role: .node, nowMs: clock.nowMs())
        let county = try await hub.store.issueCredential(name: Fixtures.county, role: .node, nowMs: clock.nowMs())
        let reader = try await hub.store.issueCredential(name: "ops", role: .reader, nowMs: clock.nowMs())
        let outsider = try await hub.store.issueCredential(name: "439999", role: .node, nowMs: clock.nowMs())
        let revoked = try await hub.store.issueCredential(name: Fixtures.otherCity, role: .node, nowMs: clock.nowMs())
        _ = try await hub.store.revokeCredentials(name: Fixtures.otherCity, nowMs: clock.nowMs())
        let auditBefore = try await hub.store.auditEntries(from: 1, limit: 10_000).count

        try await HubServer.application(hub: hub).test(.router) { client in
            // The city syncs once: its report is what later refusals in its name must leave alone.
            let good = Fixtures.batch(
                node: Fixtures.city, firstSeq: 1,
                Fixtures.versions(node: Fixtures.city, count: 1, hlcMs: clock.nowMs()),
                clockMs: clock.nowMs())
            #expect(try await HubSecurityTests.post(client, good, node: Fixtures.city, token: city).status == .ok)
            let cityReport = try await hub.store.node(Fixtures.city)
            clock.advance(ms: 5)  // so a refusal that touched the city's last contact would show

            let names = [Fixtures.city, Fixtures.county, Fixtures.otherCity, "439999"]
            let tokens: [String?] = [nil, "yw_forged", reader, county, outsider, revoked]
            var sent = 0
            for round in 0..<10 {
                for token in tokens {
                    // Rotating claims: topology nodes and made-up ones, never the county's own with its token.
                    let claimed = round % 2 == 0 ? names[(round / 2 + sent) % names.count] : "4\(10_000 + sent)"
                    if token == county && claimed == Fixtures.county { continue }
                    let batch = Fixtures.batch(
                        node: claimed, firstSeq: 1, Fixtures.versions(node: claimed, count: 1, hlcMs: clock.nowMs()),
                        clockMs: clock.nowMs())
                    let response = try await HubSecurityTests.post(client, batch, node: claimed, token: token)
                    #expect([.unauthorized, .forbidden].contains(response.status), "\(claimed): \(response.status)")
                    sent += 1
                }
            }
            #expect(sent > 50)

            // No report moved: the city's is as its own sync left it; the others were never seen.
            #expect(try await hub.store.node(Fixtures.city) == cityReport)
            for node in [Fixtures.county, Fixtures.otherCity] { #expect(try await hub.store.node(node) == nil) }
            #expect(try await hub.store.digest(dataset: "population").records == 1)

            // At most the shared budget was audited; the rest is counted in the metrics.
            let refused = try await hub.store.auditEntries(from: 1, limit: 10_000).dropFirst(auditBefore)
                .filter { $0.kind == "reject_batch" }
            #expect(refused.count == Int(UnprovenRefusals.auditBurst))
            #expect(try await hub.store.verifyAudit(expecting: nil).isIntact)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("# HELP yiwang_hub_refused_requests_total"))
            #expect(metrics.contains("# TYPE yiwang_hub_refused_requests_total counter"))
            let counted = Self.sum(metrics, "yiwang_hub_refused_requests_total{")
            #expect(counted == Double(sent), "\(metrics)")
            #expect(Self.sum(metrics, "yiwang_hub_refusals_unaudited_total ") == Double(sent) - Double(refused.count))

            // The budget refills with time, for all names together.
            clock.advance(ms: 10_000)
            let one = Fixtures.batch(node: "4123456", firstSeq: 1, [], clockMs: clock.nowMs())
            #expect(try await HubSecurityTests.post(client, one, node: "4123456", token: nil).status == .unauthorized)
            let refusedLater = try await hub.store.auditEntries(from: 1, limit: 10_000).filter {
                $0.kind == "reject_batch"
            }
            #expect(refusedLater.count == refused.count + 1)

            // And the real node is not starved by any of it.
            #expect(try await HubSecurityTests.post(client, good, node: Fixtures.city, token: city).status == .ok)
        }
    }

    @Test(.timeLimit(.minutes(1))) func refusalsOnOtherRoutesAreCountedButNeverAudited() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        _ = try await hub.store.issueCredential(name: Fixtures.city, role: .node, nowMs: clock.nowMs())
        let auditBefore = try await hub.store.auditEntries(from: 1, limit: 10_000).count
        try await HubServer.application(hub: hub).test(.router) { client in
            for i in 0..<30 {
                let headers: HTTPFields = [HubRoutes.nodeHeader: "4\(20_000 + i)"]
                #expect(
                    try await client.execute(uri: "/v1/changes", method: .get, headers: headers).status == .unauthorized
                )
            }
            #expect(try await hub.store.auditEntries(from: 1, limit: 10_000).count == auditBefore)
            #expect(try await hub.store.nodes().isEmpty)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(Self.sum(metrics, "yiwang_hub_refused_requests_total{") == 30)
        }
    }

    /// The sum of the samples whose line starts with `prefix`.
    static func sum(_ metrics: String, _ prefix: String) -> Double {
        metrics.split(separator: "\n").filter { $0.hasPrefix(prefix) }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }
}
