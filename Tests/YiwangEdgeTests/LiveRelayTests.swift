import Foundation
import Logging
import Testing
import YiwangCore
import YiwangStore
import YiwangTesting

/// A real province hub, a real city relaying for a real county (issue 16, "Up"): the county's `hub` is the
/// city's relay listener; its writes reach the city's replica; it keeps them in its outbox until the city
/// passes the province's acknowledgement down as `heldThrough`.
@Suite("Live relay (Up)", .serialized) struct LiveRelayTests {
    static let topology = """
        hub: { id: "430000", name: "Province hub" }
        nodes:
          - { id: "430100", name: "Xingcheng City", level: city, parent: "430000", datasets: [population] }
          - { id: "430121", name: "Xingcheng County", level: county, parent: "430100", datasets: [population] }
        datasets:
          population: { policy: lww }
        """

    static func edgeArguments(node: String, hub: String, data: String, token: String) -> [String] {
        [
            "--node-id", node, "--hub", hub, "--listen", "127.0.0.1:0", "--data-dir", data, "--token-file", token,
            "--datasets", "population", "--heartbeat", "200ms", "--backoff-base", "20ms", "--backoff-cap", "300ms",
            "--linger", "5ms", "--connect-timeout", "1s", "--total-timeout", "10s",
        ]
    }

    /// The relay listener's address, from the city's "relay listening" line.
    static func relayAddress(_ process: DaemonProcess) async throws -> String {
        for _ in 0..<600 {
            if let range = process.log.range(of: "yiwang.relay_address=", options: .backwards) {
                let address = process.log[range.upperBound...].prefix { !$0.isWhitespace && $0 != "," }
                if !address.isEmpty { return String(address) }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw YiwangError.unavailable("the city logged no relay address:\n\(process.log.suffix(2000))")
    }

    static func wait(_ what: String, seconds: Double = 20, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting: \(what)")
    }

    @Test("a county syncs through its city's relay into the city's replica, keeping its outbox until held",
        .timeLimit(.minutes(2)))
    func countyThroughCity() async throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-live-relay")
        defer { dir.remove() }
        try Self.topology.write(toFile: dir.file("topology.yaml"), atomically: true, encoding: .utf8)
        // Node credentials minted offline on the hub's data directory: auth is then required.
        let hubStore = try HubStore(directory: dir.file("hub-data"), logger: Logger(label: "test"))
        for node in ["430100", "430121"] {
            let token = try await hubStore.issueCredential(name: node, role: .node, nowMs: 0)
            try token.write(toFile: dir.file("\(node).token"), atomically: true, encoding: .utf8)
        }
        try hubStore.close()
        let hub = try DaemonProcess(
            "yiwang-hub",
            arguments: ["--listen", "127.0.0.1:0", "--data-dir", dir.file("hub-data"), "--topology",
                dir.file("topology.yaml")],
            logPath: dir.file("hub.log"))
        let hubURL = try await hub.baseURL()
        let city = try DaemonProcess(
            "yiwang-edge",
            arguments: Self.edgeArguments(
                node: "430100", hub: hubURL, data: dir.file("city-data"), token: dir.file("430100.token"))
                + ["--relay-listen", "127.0.0.1:0"],
            logPath: dir.file("city.log"))
        let cityURL = try await city.baseURL()
        let relayURL = "http://\(try await Self.relayAddress(city))"
        let client = LiveClient()
        // The hub hands the city its county's credential hash.
        try await Self.wait("the city learns its subtree") {
            (try await client.status(cityURL)["relay"] as? [String: Any])?["subtreeNodes"] as? Int == 1
        }

        let county = try DaemonProcess(
            "yiwang-edge",
            arguments: Self.edgeArguments(
                node: "430121", hub: relayURL, data: dir.file("county-data"), token: dir.file("430121.token"))
                + ["--retention", "0s"],
            logPath: dir.file("county.log"))
        let countyURL = try await county.baseURL()
        for i in 1...3 {
            #expect(try await client.put(countyURL, key: "c\(i)", value: "{\"i\":\(i)}") == 200)
        }
        // Relayed: the city acknowledged all three; the province holds none yet, so the county keeps them.
        try await Self.wait("the city acknowledges the county's writes") {
            try await client.status(countyURL)["ackedThrough"] as? Int == 3
        }
        let countyStatus = try await client.status(countyURL)
        #expect(countyStatus["heldThrough"] as? Int == 0 && countyStatus["backlog"] as? Int == 0)
        // The city's replica shows them, written at the county.
        for i in 1...3 {
            let record = try await client.json("\(cityURL)/v1/records/population/c\(i)")
            let versions = record["versions"] as? [[String: Any]] ?? []
            #expect(versions.map { $0["origin"] as? String } == ["430121"], "\(record)")
            #expect((record["value"] as? [String: Any])?["i"] as? Int == i)
        }
        let relay = try #require(try await client.status(cityURL)["relay"] as? [String: Any])
        let origins = try #require(relay["origins"] as? [[String: Any]])
        #expect(origins.first?["origin"] as? String == "430121" && origins.first?["backlog"] as? Int == 3)
        #expect(origins.first?["highWater"] as? Int == 3 && origins.first?["heldThrough"] as? Int == 0)
        // Nothing went to the city's own outbox.
        #expect(try await client.status(cityURL)["highestSeq"] as? Int == 0)

        // The province now holds through 2 (what the forwarder will record): the city passes it down.
        let cityStore = try EdgeStore(directory: dir.file("city-data"), nodeID: "430100", logger: Logger(label: "t"))
        try await cityStore.relayProvinceHolds(origin: "430121", through: 2)
        try await Self.wait("the county hears the province holds through 2") {
            try await client.status(countyURL)["heldThrough"] as? Int == 2
        }
        let after = try #require(try await client.status(cityURL)["relay"] as? [String: Any])
        #expect((after["origins"] as? [[String: Any]])?.first?["backlog"] as? Int == 1)

        #expect(await county.stop(SIGTERM) == 0)
        #expect(await city.stop(SIGTERM) == 0)
        #expect(await hub.stop(SIGTERM) == 0)
    }

    @Test("a county syncs through its city's relay over TLS with the city's certificate",
        .timeLimit(.minutes(2)), .enabled(if: opensslPath != nil, "openssl not found"))
    func countyThroughCityOverTLS() async throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-live-relay-tls")
        defer { dir.remove() }
        try LiveTLSTests.makeCA("city", server: true, in: dir)  // hub.pem / hub.key: the relay's certificate
        try Self.topology.write(toFile: dir.file("topology.yaml"), atomically: true, encoding: .utf8)
        let hubStore = try HubStore(directory: dir.file("hub-data"), logger: Logger(label: "test"))
        for node in ["430100", "430121"] {
            let token = try await hubStore.issueCredential(name: node, role: .node, nowMs: 0)
            try token.write(toFile: dir.file("\(node).token"), atomically: true, encoding: .utf8)
        }
        try hubStore.close()
        let hub = try DaemonProcess(
            "yiwang-hub",
            arguments: ["--listen", "127.0.0.1:0", "--data-dir", dir.file("hub-data"), "--topology",
                dir.file("topology.yaml")],
            logPath: dir.file("hub.log"))
        let city = try DaemonProcess(
            "yiwang-edge",
            arguments: Self.edgeArguments(
                node: "430100", hub: try await hub.baseURL(), data: dir.file("city-data"),
                token: dir.file("430100.token"))
                + ["--relay-listen", "127.0.0.1:0", "--relay-tls-cert", dir.file("hub.pem"), "--relay-tls-key",
                    dir.file("hub.key")],
            logPath: dir.file("city.log"))
        let cityURL = try await city.baseURL()
        let relayPort = try await Self.relayAddress(city).split(separator: ":").last.map(String.init) ?? "0"
        #expect(city.log.contains("yiwang.tls=true"))
        let client = LiveClient()
        try await Self.wait("the city learns its subtree") {
            (try await client.status(cityURL)["relay"] as? [String: Any])?["subtreeNodes"] as? Int == 1
        }
        let county = try DaemonProcess(
            "yiwang-edge",
            arguments: Self.edgeArguments(
                node: "430121", hub: "https://127.0.0.1:\(relayPort)", data: dir.file("county-data"),
                token: dir.file("430121.token")) + ["--ca-file", dir.file("city-ca.pem")],
            logPath: dir.file("county.log"))
        let countyURL = try await county.baseURL()
        #expect(try await client.put(countyURL, key: "t1", value: "{}") == 200)
        try await Self.wait("the county's write is relayed over TLS") {
            try await client.status(countyURL)["ackedThrough"] as? Int == 1
        }
        #expect(try await client.json("\(cityURL)/v1/records/population/t1")["key"] as? String == "t1")
        #expect(await county.stop(SIGTERM) == 0)
        #expect(await city.stop(SIGTERM) == 0)
        #expect(await hub.stop(SIGTERM) == 0)
    }

    @Test("a relay off loopback without TLS is refused at start", .timeLimit(.minutes(1)))
    func plainRelayOffLoopbackRefused() async throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-relay-plain")
        defer { dir.remove() }
        let run = try CommandRun.run(
            "yiwang-edge",
            ["--node-id", "430100", "--hub", "http://127.0.0.1:9", "--data-dir", dir.file("d"), "--relay-listen",
             "0.0.0.0:0", "--check-config"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("relay_tls_cert"), "\(run.stderr)")
    }
}
