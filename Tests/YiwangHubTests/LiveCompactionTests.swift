import Foundation
import Testing
import YiwangCore
import YiwangHTTP
import YiwangHub
import YiwangTesting

/// The real `yiwang-hub` with a one-second journal retention, compacting every 200 ms: after a batch, the
/// journal's values go and its gauges say so, while the records still answer.
@Suite struct LiveCompactionTests {
    /// The value of an unlabelled gauge in a Prometheus text exposition.
    static func gauge(_ name: String, in text: String) -> Double? {
        text.split(separator: "\n").lazy.compactMap { line -> Double? in
            let parts = line.split(separator: " ")
            guard parts.count == 2, parts[0] == name else { return nil }
            return Double(parts[1])
        }.first
    }

    @Test(.timeLimit(.minutes(1))) func journalMetricsMoveAsTheHubCompacts() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let topology = dir.file("topology.yaml")
        try Fixtures.topologyYAML.write(toFile: topology, atomically: true, encoding: .utf8)
        let hub = try DaemonProcess(
            "yiwang-hub",
            arguments: [
                "--listen", "127.0.0.1:0", "--data-dir", dir.file("data"), "--topology", topology,
                "--journal-retention", "1s", "--compaction-interval", "200ms",
            ],
            logPath: dir.file("hub.log"))
        let base = try await hub.baseURL()
        let client = CurlHTTPClient()
        func metrics() async throws -> String {
            String(decoding: try await client.send(method: "GET", url: "\(base)/metrics").body, as: UTF8.self)
        }
        let empty = try await metrics()
        #expect(Self.gauge("yiwang_hub_journal_rows", in: empty) == 0)
        #expect(Self.gauge("yiwang_hub_journal_oldest_position", in: empty) == 0)

        let now = SystemWallClock().nowMs()
        let batch = Fixtures.batch(
            node: Fixtures.city, firstSeq: 1, Fixtures.versions(node: Fixtures.city, count: 4, hlcMs: now),
            clockMs: now)
        let response = try await client.send(
            method: "POST", url: "\(base)/v1/sync",
            headers: [("Content-Type", HubRoutes.batchContentType), ("X-Yiwang-Node", Fixtures.city)],
            body: BatchCodec.encode(batch))
        #expect(response.status == 200)

        // Within a few passes after the second has gone by: every value compacted, the horizon at the last entry.
        var text = ""
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            text = try await metrics()
            if Self.gauge("yiwang_hub_journal_oldest_position", in: text) == 4 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(Self.gauge("yiwang_hub_journal_oldest_position", in: text) == 4, "\(text)")
        #expect(Self.gauge("yiwang_hub_journal_rows", in: text) == 4)
        #expect(Self.gauge("yiwang_hub_journal_value_bytes", in: text) == 0)
        #expect((Self.gauge("yiwang_hub_compaction_lag_seconds", in: text) ?? -1) < 1)
        let record = try await client.send(method: "GET", url: "\(base)/v1/records/population/key-3")
        #expect(record.status == 200)
        #expect(await hub.stop(SIGTERM) == 0)
    }
}
