import Foundation
import Testing
import YiwangCore
import YiwangTesting

/// A change the hub refuses is a change the hub lacks: it keeps the node out of `realtime` until an operator
/// re-queues it after a fix or drops it, audited, with `yiwangctl quarantine drop SEQ --reason`.
@Suite("Live quarantine honesty", .serialized)
struct LiveQuarantineTests {
    @Test("a refused change keeps the node out of realtime until it is dropped, audited", .timeLimit(.minutes(1)))
    func refusedChangeIsNotRealtime() async throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-quarantine")
        defer { dir.remove() }
        // Written while the hub was down and the node's datasets unconfirmed (afterwards it refuses `finance`
        // itself): the hub grants this node `population` only, so the `finance` change is refused and quarantined.
        var hub = try await LiveHub.start(in: dir)
        let port = hub.port
        #expect(await hub.process.stop(SIGTERM) == 0)
        let edge = try await LiveEdge.start(in: dir, hubURL: hub.baseURL)
        let client = LiveClient()
        #expect(try await client.put(edge.baseURL, key: "p1", value: "{}") == 200)
        #expect(try await client.put(edge.baseURL, dataset: "finance", key: "f1", value: "{}") == 200)
        hub = try await LiveHub.start(in: dir, port: port)
        #expect(try await client.waitDrained(edge.baseURL))
        #expect(try await client.status(edge.baseURL)["quarantined"] as? Int == 1)

        // For a while (many heartbeats), the hub never calls the node realtime, and says why.
        let until = ContinuousClock.now + .seconds(1)
        var node: [String: Any] = [:]
        while ContinuousClock.now < until {
            node = try await client.json("\(hub.baseURL)/v1/nodes/430100")
            #expect(node["state"] as? String != "realtime", "realtime while the hub lacks a refused change")
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(node["quarantined"] as? Int == 1)
        #expect((node["lastError"] as? String)?.isEmpty == false)
        let table = try CommandRun.run("yiwangctl", ["status", "--hub", hub.baseURL])
        #expect(table.stdout.contains("+1q"))

        let seq = try #require(
            ((try await client.json("\(edge.baseURL)/v1/quarantine"))["quarantined"] as? [[String: Any]])?.first?["seq"]
                as? Int)
        let refused = try CommandRun.run(
            "yiwangctl", ["quarantine", "drop", "--edge", edge.baseURL, String(seq), "--reason", ""])
        #expect(refused.status != 0, "a drop needs a reason")
        let drop = try CommandRun.run(
            "yiwangctl",
            ["quarantine", "drop", "--edge", edge.baseURL, String(seq), "--reason", "finance not granted here",
             "--actor", "ops-lin"])
        #expect(drop.status == 0, "\(drop.stderr)")
        #expect(try await client.status(edge.baseURL)["quarantined"] as? Int == 0)

        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline, try await client.hubState(hub.baseURL) != "realtime" {
            try await Task.sleep(for: .milliseconds(50))
        }
        node = try await client.json("\(hub.baseURL)/v1/nodes/430100")
        #expect(node["state"] as? String == "realtime")
        #expect(node["quarantined"] as? Int == 0)
        #expect(await edge.process.stop(SIGTERM) == 0)

        // The drop is in the node's audited log (who, why, which entry), and the node's chains verify.
        let verify = try CommandRun.run("yiwangctl", ["audit", "verify", "--file", dir.file("edge-data/edge.sqlite")])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        #expect(drop.stdout.contains("\"auditSeq\" : 1") || drop.stdout.contains("\"auditSeq\":1"))
    }

    /// Needs the hub's side of protocol 2 (the batch plan takes the skip mark); against a hub without it the
    /// node stays pinned at the refused seq and this test times out draining.
    @Test("a change the hub refuses as a whole batch is skipped: later writes still reach the hub", .timeLimit(.minutes(1)))
    func refusedWholeDoesNotPinTheNode() async throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-skip")
        defer { dir.remove() }
        // A hub that takes at most 1 KiB a request: a batch holding the big change is refused whole (413).
        let hub = try await LiveHub.start(in: dir, extra: ["--max-body-bytes", "1024"])
        let edge = try await LiveEdge.start(in: dir, hubURL: hub.baseURL)
        let client = LiveClient()
        #expect(try await client.put(edge.baseURL, key: "before", value: "{}") == 200)
        #expect(try await client.waitDrained(edge.baseURL))
        let noise = (0..<4_000).map { _ in String(UInt8.random(in: 0...255), radix: 16) }.joined()  // incompressible
        #expect(try await client.put(edge.baseURL, key: "big", value: "{\"blob\":\"\(noise)\"}") == 200)
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline, try await client.status(edge.baseURL)["quarantined"] as? Int != 1 {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await client.put(edge.baseURL, key: "after", value: "{}") == 200)
        #expect(try await client.waitDrained(edge.baseURL, seconds: 20), "pinned at the refused change")
        #expect((try await client.json("\(hub.baseURL)/v1/records/population/after")).isEmpty == false)
        let held = (try await client.json("\(edge.baseURL)/v1/quarantine"))["quarantined"] as? [[String: Any]]
        #expect(held?.count == 1 && held?.first?["seq"] as? Int == 2, "still held at the node, requeueable")
        #expect(await edge.process.stop(SIGTERM) == 0)
    }
}
