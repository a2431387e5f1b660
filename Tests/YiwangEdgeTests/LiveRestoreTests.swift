import Foundation
import Testing
import YiwangCore
import YiwangTesting

/// Issue 13, class 11 through the real daemons: a node restored from an older copy of its data loses nothing.
@Suite("Live restore from a backup", .serialized)
struct LiveRestoreTests {
    @Test(
        "an edge restored from an older copy and written to before it reaches the hub: every write reaches the hub",
        .timeLimit(.minutes(2)))
    func restoredEdgeLosesNothing() async throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-live")
        defer { dir.remove() }
        let hub = try await LiveHub.start(in: dir)
        let client = LiveClient()
        let data = dir.file("edge-data")
        let backup = dir.file("edge-backup")

        var edge = try await LiveEdge.start(in: dir, hubURL: hub.baseURL)
        #expect(try await client.put(edge.baseURL, key: "before", value: #"{"n":0}"#) == 200)
        #expect(try await client.waitDrained(edge.baseURL))
        #expect(await edge.process.stop(SIGTERM) == 0)
        try FileManager.default.copyItem(atPath: data, toPath: backup)  // the operator's nightly copy

        edge = try await LiveEdge.start(in: dir, hubURL: hub.baseURL)
        for i in 1...3 { #expect(try await client.put(edge.baseURL, key: "first\(i)", value: #"{"n":\#(i)}"#) == 200) }
        #expect(try await client.waitDrained(edge.baseURL))
        #expect(await edge.process.stop(SIGTERM) == 0)

        // The server is replaced; its data directory comes back from the copy, and it is written to before the
        // network to the hub is up again.
        try FileManager.default.removeItem(atPath: data)
        try FileManager.default.copyItem(atPath: backup, toPath: data)
        edge = try await LiveEdge.start(in: dir, hubURL: "http://127.0.0.1:9")
        for i in 1...3 {
            #expect(try await client.put(edge.baseURL, key: "second\(i)", value: #"{"m":\#(i)}"#) == 200)
        }
        #expect(await edge.process.stop(SIGTERM) == 0)

        edge = try await LiveEdge.start(in: dir, hubURL: hub.baseURL)
        #expect(try await client.waitDrained(edge.baseURL))
        for (key, value) in [("before", #"{"n":0}"#)] + (1...3).flatMap({ i in
            [("first\(i)", #"{"n":\#(i)}"#), ("second\(i)", #"{"m":\#(i)}"#)]
        }) {
            let record = try? await client.json("\(hub.baseURL)/v1/records/population/\(key)")
            #expect(Self.value(of: record) == value, "\(key) is not at the hub as written")
        }
        let status = try await client.status(edge.baseURL)
        #expect(status["quarantined"] as? Int == 0)
        #expect(await edge.process.stop(SIGTERM) == 0)
        // The recovery is told in the node's log (its last error is cleared by the next clean acknowledgement).
        #expect(edge.process.log.contains("writes re-issued above its high water"))
    }

    /// The visible value of a hub record answer, re-serialized with sorted keys.
    static func value(of record: [String: Any]?) -> String? {
        guard let record else { return nil }
        let visible = (record["visible"] as? [[String: Any]])?.first ?? record
        guard let value = visible["value"] else { return nil }
        if let text = value as? String { return text }
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
