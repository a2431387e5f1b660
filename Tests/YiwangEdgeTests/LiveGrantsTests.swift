import Foundation
import Testing
import YiwangCore
import YiwangTesting

/// Real `yiwang-hub` and `yiwang-edge` processes: a node learns its datasets and their policies from the
/// province's topology, keeps them across a restart while the hub is down, and reports what its own
/// configuration gets wrong.
@Suite("Live province grants", .serialized)
struct LiveGrantsTests {
    @Test("a node without --datasets learns its grants, and keeps them across a restart with the hub down",
          .timeLimit(.minutes(1)))
    func learnsAndKeepsGrants() async throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-grants")
        defer { dir.remove() }
        let hub = try await LiveHub.start(in: dir)
        var edge = try await LiveEdge.start(in: dir, hubURL: hub.baseURL, datasets: nil)
        let client = LiveClient()
        var grants = try await client.waitGrants(edge.baseURL, basis: "province")
        #expect(grants["granted"] as? [String] == ["population"])
        #expect(grants["policies"] as? [String: String] == ["population": "lww"])
        #expect(try await client.status(edge.baseURL)["datasets"] as? [String] == ["population"])
        #expect(try await client.put(edge.baseURL, key: "p1", value: "{}") == 200)
        #expect(try await client.put(edge.baseURL, dataset: "finance", key: "f1", value: "{}") == 404)
        #expect(try await client.waitDrained(edge.baseURL))
        #expect(await edge.process.stop(SIGTERM) == 0)

        // The hub goes down; the node restarts on the grants stored in its database.
        #expect(await hub.process.stop(SIGTERM) == 0)
        edge = try await LiveEdge.start(in: dir, hubURL: hub.baseURL, datasets: nil)
        grants = try await client.json("\(edge.baseURL)/v1/status")["grants"] as? [String: Any] ?? [:]
        #expect(grants["basis"] as? String == "stored")
        #expect(grants["policiesConfirmed"] as? Bool == true)
        #expect(grants["granted"] as? [String] == ["population"])
        #expect(try await client.put(edge.baseURL, key: "p2", value: "{}") == 200)
        #expect(try await client.put(edge.baseURL, dataset: "finance", key: "f2", value: "{}") == 404)
        #expect(await edge.process.stop(SIGTERM) == 0)
        let log = try String(contentsOfFile: dir.file("edge.log"), encoding: .utf8)
        #expect(log.contains("province grants not fetched"))
    }

    @Test("a node configured against the province says so and follows the province", .timeLimit(.minutes(1)))
    func configurationAgainstTheProvince() async throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-grants")
        defer { dir.remove() }
        let hub = try await LiveHub.start(in: dir)
        let config = dir.file("edge.yaml")
        try "policies:\n  population: siblings\n".write(toFile: config, atomically: true, encoding: .utf8)
        let edge = try await LiveEdge.start(
            in: dir, hubURL: hub.baseURL, datasets: "population,finance", extra: ["--config", config])
        let client = LiveClient()
        let grants = try await client.waitGrants(edge.baseURL, basis: "province")
        #expect(grants["notGranted"] as? [String] == ["finance"])
        let overrides = grants["policyOverrides"] as? [[String: String]]
        #expect(overrides == [["dataset": "population", "configured": "siblings", "province": "lww"]])
        #expect(try await client.put(edge.baseURL, dataset: "finance", key: "f1", value: "{}") == 403)
        #expect(try await client.put(edge.baseURL, key: "p1", value: "{}") == 200)
        #expect(try await client.waitDrained(edge.baseURL))
        #expect(try await client.status(edge.baseURL)["quarantined"] as? Int == 0, "nothing left for the hub to refuse")
        #expect(await edge.process.stop(SIGTERM) == 0)
        let log = try String(contentsOfFile: dir.file("edge.log"), encoding: .utf8)
        #expect(log.contains("is configured siblings but the province says lww; using lww"))
        #expect(log.contains("[finance] are not granted by the province"))
    }
}
