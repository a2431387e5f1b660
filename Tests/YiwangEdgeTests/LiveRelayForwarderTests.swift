import Foundation
import Logging
import Testing
import YiwangCore
import YiwangEdge
import YiwangHTTP
import YiwangStore
import YiwangTesting

/// A real `yiwang-hub` and the city's forwarder shipping a county's stored stream with the city's own
/// credential over libcurl (issue 16): applied per origin, the county's path in the report, resending harmless,
/// a county of another city refused.
@Suite struct LiveRelayForwarderTests {
    static let topology = """
        hub: { id: "430000", name: "Province hub" }
        nodes:
          - { id: "430100", name: "Xingcheng City", level: city, parent: "430000", datasets: [population] }
          - { id: "430121", name: "Xingcheng County", level: county, parent: "430100", datasets: [population] }
          - { id: "430200", name: "Hecheng City", level: city, parent: "430000", datasets: [population] }
          - { id: "430221", name: "Hecheng County", level: county, parent: "430200", datasets: [population] }
        datasets:
          population: { policy: lww }
        """

    static func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// The county's stored stream `first...first+count-1`, as the city received it at `receivedAtMs`.
    static func stream(origin: String, first: UInt64, count: Int, receivedAtMs: Int64) -> RelayedStream {
        let changes = (0..<count).map { index in
            let seq = first + UInt64(index)
            return Change(
                seq: seq,
                version: Version(
                    dataset: "population", key: "\(origin)-\(seq)", vector: VersionVector([origin: seq]),
                    hlc: HLCTimestamp(wallMs: receivedAtMs - 2_000), origin: origin, actor: "clerk-3",
                    operation: .put, value: #"{"n":\#(seq)}"#))
        }
        let report = NodeReport(
            backlog: UInt64(count), oldestPendingMs: receivedAtMs - 2_000, oldestAfterBatchMs: nil,
            clockMs: receivedAtMs - 50, hlc: HLCTimestamp(wallMs: receivedAtMs - 50))
        return RelayedStream(
            origin: origin, firstSeq: first, changes: changes, report: report, receivedAtMs: receivedAtMs)
    }

    @Test(.timeLimit(.minutes(2))) func aCitysForwarderShipsACountysStreamToARealHub() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try Self.topology.write(toFile: dir.file("topology.yaml"), atomically: true, encoding: .utf8)
        // Credentials first (the hub then requires them on loopback too): the city's own, and a reader's.
        let store = try HubStore(directory: dir.file("hub-data"), logger: Logger(label: "test"))
        let cityToken = try await store.issueCredential(name: "430100", role: .node, nowMs: Self.nowMs())
        let reader = try await store.issueCredential(name: "ops", role: .reader, nowMs: Self.nowMs())
        let hub = try DaemonProcess(
            "yiwang-hub",
            arguments: [
                "--listen", "127.0.0.1:0", "--data-dir", dir.file("hub-data"), "--topology", dir.file("topology.yaml"),
            ], logPath: dir.file("hub.log"))
        let base = "http://\(try await hub.waitForAddress())"
        let forwarder = RelayForwarder(
            node: "430100", syncURL: "\(base)/v1/sync",
            configuration: .init(connectTimeoutMs: 2_000, totalTimeoutMs: 10_000, bearerToken: cityToken))

        let received = Self.nowMs()
        let first = try await forwarder.forward(Self.stream(origin: "430121", first: 1, count: 5, receivedAtMs: received))
        guard case .acknowledged(let ack) = first else { Issue.record("refused: \(first)"); return }
        #expect(ack.highWater == 5 && ack.rejected.isEmpty && ack.expectedSeq == nil)

        let readerClient = CurlHTTPClient(configuration: .init(bearerToken: reader))
        func json(_ path: String) async throws -> [String: Any] {
            let response = try await readerClient.send(method: "GET", url: base + path)
            return try #require(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        }
        let county = try await json("/v1/nodes/430121")
        #expect(county["path"] as? [String] == ["430121", "430100", "430000"])
        #expect(county["highWater"] as? Int == 5 && county["changesApplied"] as? Int == 5)
        #expect(county["state"] as? String == "realtime")
        #expect(try await json("/v1/nodes/430100")["path"] is NSNull)  // the city itself never synced
        let record = try await json("/v1/records/population/430121-3")
        #expect("\(record)".contains("430121"))

        // Resent with one more change (the city lost the answer meanwhile): only the new one applies.
        let again = try await forwarder.forward(Self.stream(origin: "430121", first: 1, count: 6, receivedAtMs: received))
        guard case .acknowledged(let second) = again else { Issue.record("refused: \(again)"); return }
        #expect(second.highWater == 6 && second.rejected.isEmpty)
        #expect(try await json("/v1/nodes/430121")["changesApplied"] as? Int == 6)
        #expect(try await json("/v1/datasets/population/digest")["records"] as? Int == 6)

        // A county of another city: refused, nothing applied.
        let foreign = try await forwarder.forward(Self.stream(origin: "430221", first: 1, count: 2, receivedAtMs: received))
        guard case .refused(let status, let error, _) = foreign else { Issue.record("accepted: \(foreign)"); return }
        #expect(status == 403 && error == "not_in_subtree")
        #expect(try await json("/v1/datasets/population/digest")["records"] as? Int == 6)
        #expect(try await json("/v1/nodes/430100")["rejectedBatches"] as? Int == 1)
        _ = await hub.stop(SIGTERM)
    }

    @Test func aStreamTheHubCouldNotReadAsTheCountysIsRefusedBeforeSending() throws {
        let forwarder = RelayForwarder(node: "430100", syncURL: "http://127.0.0.1:9/v1/sync", configuration: .init())
        var gap = Self.stream(origin: "430121", first: 1, count: 3, receivedAtMs: 1_800_000_000_000)
        gap.changes.remove(at: 1)  // seqs 1, 3: the wire numbers by position
        #expect(throws: YiwangError.self) { try forwarder.batch(for: gap) }
        var loop = Self.stream(origin: "430121", first: 1, count: 1, receivedAtMs: 1_800_000_000_000)
        loop.via = ["430121", "430100"]  // already through this city
        #expect(throws: YiwangError.self) { try forwarder.batch(for: loop) }
        let fine = try forwarder.batch(for: Self.stream(origin: "430121", first: 4, count: 2, receivedAtMs: 7))
        #expect(fine.relay == RelaySection(path: ["430121", "430100"], receivedAtMs: 7))
        #expect(fine.node == "430121" && fine.firstSeq == 4 && fine.changes.count == 2)
    }
}
