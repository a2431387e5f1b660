import Foundation
import Testing
import YiwangCore
import YiwangTesting

/// The downlink with real processes on loopback: a hub and three nodes converge, conflicts are resolved the
/// same everywhere and logged once at the hub, and a partitioned node catches up without losing a write.
@Suite(.serialized) struct LiveDownlinkTests {
    @Test(.timeLimit(.minutes(2))) func threeNodesSeeEachOtherAndConverge() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let province = try await LiveProvince.start(dir)
        var edges: [(DaemonProcess, String)] = []
        for node in LiveProvince.nodes { edges.append(try await province.startEdge(node)) }
        let urls = edges.map(\.1)

        // A write at one node appears at the others.
        try await province.put(urls[0], key: "k1", value: #"{"name":"Li"}"#)
        let spread = try await province.eventually(seconds: 10) {
            let second = try await province.value(urls[1], key: "k1")
            let third = try await province.value(urls[2], key: "k1")
            return second == #"{"name":"Li"}"# && third == #"{"name":"Li"}"#
        }
        #expect(spread, "a write at 430100 did not reach 430200 and 430300")

        // Concurrent writes to one key: with the hub frozen, neither node can see the other's version first.
        province.hub.signal(SIGSTOP)
        try await province.put(urls[0], key: "k2", value: #"{"from":"430100"}"#)
        try await province.put(urls[1], key: "k2", value: #"{"from":"430200"}"#)
        province.hub.signal(SIGCONT)
        let digests = try await province.converge(urls)
        #expect(Set(digests).count == 1, "replicas diverge: \(digests)")
        var visible: Set<String?> = [try await province.value(province.hubURL, key: "k2")]
        for url in urls { visible.insert(try await province.value(url, key: "k2")) }
        #expect(visible.count == 1 && visible.first! != nil, "different visible values: \(visible)")
        #expect(try await province.hubConflicts(key: "k2") == 1)

        // A node that saw the province's version and edits it makes a later version, not a conflict.
        try await province.put(urls[2], key: "k2", value: #"{"from":"430300"}"#)
        try await province.put(urls[1], key: "k1", value: #"{"name":"Wang"}"#)
        let after = try await province.converge(urls)
        #expect(Set(after).count == 1, "replicas diverge after the edits: \(after)")
        #expect(try await province.value(urls[0], key: "k2") == #"{"from":"430300"}"#)
        #expect(try await province.value(urls[2], key: "k1") == #"{"name":"Wang"}"#)
        #expect(try await province.hubConflicts(key: "k2") == 1)
        #expect(try await province.hubConflicts(key: "k1") == 0)

        // The lag is reported on both sides.
        let report = try await province.client.json("\(province.hubURL)/v1/nodes/430300")
        #expect(report["downlinkCursor"] as? Int != nil && report["lastPullMs"] as? Int != nil)
        #expect(report["downlinkLag"] as? Int != nil)
        let downlink = try #require(try await province.client.status(urls[2])["downlink"] as? [String: Any])
        #expect((downlink["cursor"] as? Int ?? 0) > 0 && downlink["lastPullMs"] as? Int != nil)

        // The nodes are long-polling: the hub still shuts down promptly, and so do they.
        let stopping = ContinuousClock.now
        #expect(await province.hub.stop(SIGTERM, timeout: .seconds(8)) == 0)
        #expect(ContinuousClock.now - stopping < .seconds(5), "a long-poll held up the hub's shutdown")
        for (process, _) in edges { #expect(await process.stop(SIGTERM, timeout: .seconds(8)) == 0) }
    }

    @Test(.timeLimit(.minutes(2))) func partitionedNodeCatchesUpWithoutLosingWrites() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let province = try await LiveProvince.start(dir)
        let (first, firstURL) = try await province.startEdge("430100")
        let (second, secondURL) = try await province.startEdge("430200")
        try await province.put(firstURL, key: "before", value: #"{"n":0}"#)

        // 430300 is cut off from the hub (its parent's port refuses connections): both sides keep writing.
        let (cut, cutURL) = try await province.startEdge("430300", hubURL: "http://127.0.0.1:1")
        var expected: [String: String] = ["before": #"{"n":0}"#]
        for i in 1...5 {
            try await province.put(cutURL, key: "cut\(i)", value: "{\"n\":\(i)}")
            try await province.put(firstURL, key: "hub\(i)", value: "{\"n\":\(i)}")
            expected["cut\(i)"] = "{\"n\":\(i)}"
            expected["hub\(i)"] = "{\"n\":\(i)}"
        }
        try await province.put(cutURL, key: "both", value: #"{"side":"cut"}"#)
        try await province.put(secondURL, key: "both", value: #"{"side":"hub"}"#)
        #expect(try await province.value(cutURL, key: "before") == nil, "the partitioned node saw the hub")
        #expect(await cut.stop(SIGTERM, timeout: .seconds(10)) == 0, "a node shut down mid long-poll must exit 0")

        // Heal: the node comes back on the real address with the same data directory.
        let (healed, healedURL) = try await province.startEdge("430300")
        let urls = [firstURL, secondURL, healedURL]
        let digests = try await province.converge(urls, seconds: 30)
        #expect(Set(digests).count == 1, "replicas diverge after the heal: \(digests)")
        for (key, value) in expected {
            for url in [province.hubURL] + urls {
                #expect(try await province.value(url, key: key) == value, "\(key) lost at \(url)")
            }
        }
        #expect(try await province.hubConflicts(key: "both") == 1)

        // A resync re-pulls everything and changes nothing.
        let resync = try await province.client.http.send(method: "POST", url: "\(healedURL)/v1/downlink/resync")
        #expect(resync.status == 200)
        let caughtUp = try await province.eventually(seconds: 15) {
            let downlink = try await province.client.status(healedURL)["downlink"] as? [String: Any]
            return (downlink?["cursor"] as? Int ?? 0) > 0 && downlink?["lag"] as? Int == 0
        }
        #expect(caughtUp, "the resync did not catch up")
        #expect(Set(try await province.converge(urls)).count == 1)

        for process in [first, second, healed] { #expect(await process.stop(SIGTERM, timeout: .seconds(10)) == 0) }
        #expect(await province.hub.stop(SIGTERM) == 0)
    }
}
