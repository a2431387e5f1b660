import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import YiwangCore
import YiwangEdge
import YiwangTesting

/// A new node facing a hub not yet upgraded (README "Upgrade"): the whole edge daemon, with its real libcurl
/// transports, against a stand-in that answers as the 043bed4 hub does. The node says why it cannot sync (log
/// and `/v1/status`), loses nothing, never takes the answer for a refusal of its batch (no halving, no
/// quarantine), keeps retrying, and resumes by itself once the hub is upgraded.
@Suite("A new node facing an old hub")
struct OldHubTests {
    @Test(.timeLimit(.minutes(1))) func itSaysWhyKeepsEverythingAndResumesAfterTheUpgrade() async throws {
        let oldHub = OldHubStandIn()
        let log = CapturedLog()
        let hubApp = Application(router: oldHub.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await hubApp.test(.live) { hubClient in
            let port = try #require(hubClient.port)
            try await withTemporaryDirectory { dir in
                var configuration = EdgeConfiguration(
                    nodeID: "430100", hubURL: "http://127.0.0.1:\(port)", dataDirectory: dir.path,
                    datasets: ["population"])
                configuration.uplink.lingerMs = 0
                configuration.uplink.heartbeatIntervalMs = 100
                configuration.uplink.backoffBaseMs = 5
                configuration.uplink.backoffCapMs = 40
                let edge = try EdgeApplication.make(configuration: configuration, logger: log.logger)
                try await edge.test(.router) { client in
                    // One bulk write (one transaction), so every batch the node sends holds all three, unless halved.
                    let lines = ["a", "b", "c"].map { #"{"key":"\#($0)","value":{"n":1}}"# }.joined(separator: "\n")
                    let written = try await client.execute(
                        uri: "/v1/records/population", method: .post, headers: actor, body: ByteBuffer(string: lines))
                    #expect(written.status == .ok, "\(String(buffer: written.body))")
                    // Far more answers than it takes to halve a refused batch down to one change and quarantine
                    // it (refusedBatchAttempts = 3 per step).
                    #expect(try await eventually(20) { oldHub.snapshot.refused >= 12 && oldHub.snapshot.grantsMissing >= 2 })
                    let waiting = try json(try await client.execute(uri: "/v1/status", method: .get))
                    let error = waiting["lastError"] as? String ?? ""
                    #expect(error.hasPrefix("protocol_mismatch: the hub at http://127.0.0.1:\(port)/v1/sync speaks protocol 1"))
                    #expect(error.contains("this node speaks 2") && error.contains("upgrade the hub first"))
                    #expect(waiting["hubReachable"] as? Bool == true)
                    #expect(waiting["backlog"] as? Int == 3 && waiting["ackedThrough"] as? Int == 0)
                    #expect(waiting["quarantined"] as? Int == 0)
                    // The old hub has no grants: the downlink merges nothing with a guessed policy, and says why.
                    let grants = waiting["grants"] as? [String: Any] ?? [:]
                    #expect((grants["lastError"] as? String ?? "").contains("does not serve /v1/grants"), "\(grants)")
                    #expect(grants["basis"] as? String == "unconfirmed", "\(grants)")
                    #expect(oldHub.snapshot.feedPulls == 0, "no feed pulled before the province's policies are known")
                    let refusedSizes = oldHub.snapshot.batches.filter { $0.changes > 0 }.map(\.changes)
                    #expect(!refusedSizes.isEmpty && refusedSizes.allSatisfy { $0 == 3 }, "never halved: \(refusedSizes)")
                    #expect(oldHub.hub.snapshot.applied.isEmpty)
                    let warnings = log.all.filter { $0.message == "uplink attempt failed" }
                    #expect(warnings.contains { ($0.metadata["yiwang.error"] ?? "").contains("speaks protocol 1") })

                    oldHub.upgrade()
                    #expect(try await eventually(20) { oldHub.hub.snapshot.applied.count == 3 })
                    var resumed: [String: Any] = [:]
                    for _ in 0..<500 {
                        resumed = try json(try await client.execute(uri: "/v1/status", method: .get))
                        if resumed["lastError"] is NSNull && resumed["ackedThrough"] as? Int == 3 { break }
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    #expect(resumed["lastError"] is NSNull, "\(resumed["lastError"] ?? "")")
                    #expect(resumed["ackedThrough"] as? Int == 3 && resumed["quarantined"] as? Int == 0)
                    #expect(Set(oldHub.hub.snapshot.applied.keys) == [1, 2, 3])
                    #expect(oldHub.hub.snapshot.appliedTwice.isEmpty)
                    #expect(try await eventually(20) { oldHub.snapshot.feedPulls > 0 }, "the downlink resumes too")
                }
            }
        }
        let seen = oldHub.snapshot
        #expect(seen.grantsServed > 0 && seen.feedPulls > 0, "after the upgrade, the grants and then the feed")
        #expect(!seen.headers.isEmpty && seen.headers.allSatisfy { $0 == "2" }, "every request names the node's version")
        #expect(seen.batches.allSatisfy { $0.magic == "YWB2" })
    }
}
