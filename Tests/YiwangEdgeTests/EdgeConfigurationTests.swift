import Foundation
import Testing
import YiwangCore
import YiwangEdge
import YiwangTesting

@Suite("Edge configuration")
struct EdgeConfigurationTests {
    func write(_ yaml: String) throws -> (TemporaryDirectory, String) {
        let dir = try TemporaryDirectory(prefix: "yiwang-edge-config")
        let path = dir.file("edge.yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return (dir, path)
    }

    @Test("a config file sets every group; durations take units")
    func loads() throws {
        let (dir, path) = try write(
            """
            node_id: "430121"
            hub: https://hub.example.gov:7400/
            listen: 0.0.0.0:7411
            data_dir: /var/lib/yiwang/edge
            datasets: [population, social_security]
            policies: { social_security: siblings }
            batch_max_changes: 100
            linger: 50ms
            heartbeat: 2s
            retention: 1d
            backoff_cap: 1m
            proxy: http://proxy.city.gov:3128
            """)
        defer { dir.remove() }
        // Off loopback the node needs its applications' credentials.
        let apps = dir.file("apps.yaml")
        let hash = String(repeating: "ab", count: 32)
        try "applications:\n  portal:\n    token_sha256: \"\(hash)\"\n    actors: [clerk-7]\n"
            .write(toFile: apps, atomically: true, encoding: .utf8)
        try (try String(contentsOfFile: path, encoding: .utf8) + "\napp_credentials_file: \(apps)\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        var configuration = EdgeConfiguration(nodeID: "", hubURL: "", dataDirectory: "", datasets: [])
        try configuration.apply(file: path)
        try configuration.validate(file: path)
        #expect(configuration.appCredentials?.applications.map(\.actors) == [["clerk-7"]])
        #expect(configuration.nodeID == "430121")
        #expect(configuration.syncURL == "https://hub.example.gov:7400/v1/sync")
        #expect(configuration.listenHost == "0.0.0.0" && configuration.listenPort == 7411)
        #expect(configuration.datasets == ["population", "social_security"])
        #expect(configuration.policies == ["social_security": .siblings])
        #expect(configuration.uplink.maxBatchChanges == 100)
        #expect(configuration.uplink.lingerMs == 50)
        #expect(configuration.uplink.heartbeatIntervalMs == 2000)
        #expect(configuration.uplink.retentionMs == 86_400_000)
        #expect(configuration.uplink.backoffCapMs == 60_000)
        #expect(configuration.transport.proxy == "http://proxy.city.gov:3128")
    }

    @Test(
        "a bad config names the file and the key",
        arguments: [
            ("nodeid: x", "nodeid"), ("heartbeat: soon", "heartbeat"), ("listen: nowhere", "listen"),
            ("policies: { population: newest }", "policies"), ("batch_max_changes: 0", "batch_max_changes"),
        ])
    func badKey(_ yaml: String, _ key: String) throws {
        let (dir, path) = try write(yaml)
        defer { dir.remove() }
        var configuration = EdgeConfiguration(nodeID: "", hubURL: "", dataDirectory: "", datasets: [])
        #expect {
            try configuration.apply(file: path)
        } throws: { error in
            let error = error as? YiwangError
            return error?.code == .invalidConfig && error?.field == key && error?.message.contains(path) == true
        }
    }

    @Test("validation names the missing or wrong setting")
    func validation() throws {
        var configuration = EdgeConfiguration(nodeID: "430100", hubURL: "ftp://x", dataDirectory: "/d", datasets: ["a"])
        #expect(throws: YiwangError.self) { try configuration.validate() }
        configuration.hubURL = "http://hub"
        try configuration.validate()
        configuration.datasets = []
        #expect { try configuration.validate() } throws: { ($0 as? YiwangError)?.field?.hasPrefix("datasets") == true }
    }

    @Test("datasets are optional (the province grants them); a policy names a valid dataset")
    func datasetsOptional() throws {
        var configuration = EdgeConfiguration(nodeID: "430100", hubURL: "http://hub", dataDirectory: "/d")
        try configuration.validate()
        #expect(configuration.datasets == nil)
        configuration.policies = ["pop/ulation": .lww]
        #expect { try configuration.validate() } throws: { ($0 as? YiwangError)?.field?.hasPrefix("policies") == true }
    }
}
