import Foundation
import Testing
import YiwangCore
import YiwangHTTP
import YiwangHub
import YiwangTesting

@Suite struct TopologyTests {
    @Test func parsesTheDesignExample() throws {
        let topology = try Fixtures.topology()
        #expect(topology.hub.id == "430000")
        #expect(topology.nodes.map(\.id) == ["430100", "430200", "430121"])
        #expect(topology.node("430121")?.parent == "430100")
        #expect(topology.node("430121")?.level == "county")
        #expect(topology.grants(for: "430121") == ["population"])
        #expect(topology.grants(for: "999") == [])
        #expect(topology.policies == ["population": .lww, "social_security": .siblings])
        #expect(topology.levels == ["city", "county"])
    }

    /// Each broken topology names the file, the key and the node at fault.
    @Test(arguments: [
        (#"{ id: "430121", name: "C", level: county, parent: "4301", datasets: [population] }"#,
         "nodes[1].parent", "4301"),
        (#"{ id: "430100", name: "Dup", level: city, parent: "430000", datasets: [population] }"#,
         "nodes[1].id", "430100"),
        (#"{ id: "43 01", name: "Bad", level: city, parent: "430000", datasets: [population] }"#,
         "nodes[1].id", "43 01"),
        (#"{ id: "430200", name: "D", level: city, parent: "430000", datasets: [finance] }"#,
         "nodes[1].datasets", "finance"),
        (#"{ id: "430200", name: "D", parent: "430000", datasets: [population] }"#, "nodes[1].level", "level"),
    ])
    func invalidNodeIsNamed(_ node: String, _ key: String, _ mention: String) throws {
        let yaml = """
            hub: { id: "430000", name: "Province hub" }
            nodes:
              - { id: "430100", name: "City", level: city, parent: "430000", datasets: [population] }
              - \(node)
            datasets:
              population: { policy: lww }
            """
        let error = try #require(throws: YiwangError.self) { try Topology(yaml: yaml, file: "/etc/yiwang/topo.yaml") }
        #expect(error.code == .invalidConfig)
        #expect(error.field == key)
        #expect(error.message.contains("/etc/yiwang/topo.yaml"))
        #expect(error.message.contains(mention))
    }

    @Test func unknownPolicyIsNamed() throws {
        let yaml = """
            hub: { id: "430000", name: "Province hub" }
            nodes: []
            datasets:
              population: { policy: newest }
            """
        let error = try #require(throws: YiwangError.self) { try Topology(yaml: yaml, file: "t.yaml") }
        #expect(error.field == "datasets.population.policy")
        #expect(error.message.contains("newest"))
    }

    @Test func missingFileIsNamed() throws {
        let error = try #require(throws: YiwangError.self) { try Topology.load(path: "/nonexistent/topo.yaml") }
        #expect(error.message.contains("/nonexistent/topo.yaml"))
    }
}

@Suite struct HubConfigurationTests {
    /// Durations are `ConfigDuration` (YiwangCore tests every case); here: the hub's keys take them, and a bare
    /// number, which used to mean seconds here (and milliseconds at the node), is refused naming the key.
    @Test(arguments: [("500ms", 500), ("30s", 30_000), ("5m", 300_000), ("1h", 3_600_000), ("12d", 1_036_800_000)]
        as [(String, Int64)])
    func durations(_ text: String, _ ms: Int64) throws {
        var configuration = HubConfiguration()
        try HubConfiguration.reader.apply(flags: ["stale-after": text], to: &configuration)
        #expect(configuration.thresholds.staleAfterMs == ms)
    }

    @Test(arguments: ["2", "30", "soon", "-5s", "1e300s", "5 s", "5S", ""])
    func badDurationIsRejected(_ text: String) {
        var configuration = HubConfiguration()
        #expect {
            try HubConfiguration.reader.apply(environment: ["YIWANG_REALTIME_WITHIN": text], to: &configuration)
        } throws: { ($0 as? YiwangError)?.field == "YIWANG_REALTIME_WITHIN" }
        #expect(configuration == HubConfiguration())
    }

    @Test func fileSetsValuesAndNamesUnknownKeys() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("hub.yaml")
        try """
            listen: "0.0.0.0:8080"
            data_dir: /var/lib/yiwang-hub
            topology: topology.yaml
            realtime_within: 10s
            stale_after: 2h
            """.write(toFile: path, atomically: true, encoding: .utf8)
        var configuration = HubConfiguration()
        try configuration.apply(file: path)
        #expect(configuration.host == "0.0.0.0" && configuration.port == 8080)
        #expect(configuration.dataDirectory == "/var/lib/yiwang-hub")
        #expect(configuration.topologyPath == dir.file("topology.yaml"))
        #expect(configuration.thresholds.realtimeWithinMs == 10_000)
        #expect(configuration.thresholds.staleAfterMs == 7_200_000)
        #expect(configuration.thresholds.offlineAfterMs == 300_000)  // the default stays

        try "stale_afer: 2h\n".write(toFile: path, atomically: true, encoding: .utf8)
        let error = try #require(throws: YiwangError.self) { try configuration.apply(file: path) }
        #expect(error.field == "stale_afer")
        #expect(error.message.contains(path))
    }

    @Test func listenAddresses() {
        #expect(ListenAddress("127.0.0.1:0") == ListenAddress(host: "127.0.0.1", port: 0))
        #expect(ListenAddress("[::1]:7400") == ListenAddress(host: "::1", port: 7400))
        #expect(ListenAddress("localhost") == nil)
        #expect(ListenAddress("host:99999") == nil)
        #expect(ListenAddress("host:") == nil)
    }

    /// An empty host used to mean every interface here (and loopback at the node): now loopback for both, so
    /// `:7400` never puts the hub on the network by accident.
    @Test func anEmptyListenHostIsLoopback() throws {
        var configuration = HubConfiguration()
        try HubConfiguration.reader.apply(flags: ["listen": ":7400"], to: &configuration)
        #expect(configuration.host == "127.0.0.1" && configuration.port == 7400)
        #expect(ListenAddress(":0")?.isLoopback == true)
    }
}
