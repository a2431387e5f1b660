import Foundation
import Testing
import YiwangCore
import YiwangHTTP
import YiwangHub
import YiwangTesting

/// `config/hub.yaml` is where the hub's keys are documented: every key it documents parses with the value it
/// shows, every key the reader knows is documented there once, and every flag the table promises is in
/// `yiwang-hub --help`.
@Suite struct HubConfigDocsTests {
    @Test func everyDocumentedKeyParses() throws {
        let sample = try SampleConfig("hub.yaml")
        let dir = try TemporaryDirectory(prefix: "yiwang-hub-docs")
        defer { dir.remove() }
        let path = dir.file("hub.yaml")
        try sample.everyKeySet.write(toFile: path, atomically: true, encoding: .utf8)
        var settings = HubConfiguration()
        try HubConfiguration.reader.apply(file: path, to: &settings)
        #expect(settings.security.tlsClientCAFile != nil && settings.topologyPath == dir.file("topology.yaml"))
    }

    @Test func everyKeyIsDocumentedOnce() throws {
        let documented = try SampleConfig("hub.yaml").documentedKeys
        let known = HubConfiguration.keys.map(\.name)
        let missing = Set(known).subtracting(documented).sorted()
        let unknown = Set(documented).subtracting(known).sorted()
        #expect(missing.isEmpty && unknown.isEmpty, "hub.yaml: undocumented \(missing), not keys \(unknown)")
        let repeated = Dictionary(grouping: documented, by: { $0 }).filter { $0.value.count > 1 }.keys
        #expect(repeated.isEmpty, "hub.yaml documents \(repeated.sorted()) more than once")
    }

    @Test func everyFlagIsInTheHelp() throws {
        let help = try CommandRun.run("yiwang-hub", ["--help"])
        #expect(help.status == 0)
        let sample = try SampleConfig("hub.yaml").text
        for key in HubConfiguration.keys where key.layers.contains(.flag) {
            #expect(help.stdout.contains(key.flag + " <"), "yiwang-hub --help lacks \(key.flag)")
            #expect(help.stdout.contains(key.environmentName), "yiwang-hub --help lacks \(key.environmentName)")
            #expect(sample.contains(key.flag), "hub.yaml does not name \(key.flag)")
        }
    }

    /// The hub from its config file, the environment and a flag: the flag wins, and a bad value in any layer
    /// stops it with one line naming the key.
    @Test func daemonLayers() throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-hub-docs")
        defer { dir.remove() }
        try FileManager.default.copyItem(
            atPath: "\(SampleConfig.repository)/config/topology.yaml", toPath: dir.file("topology.yaml"))
        let file = dir.file("hub.yaml")
        try "topology: topology.yaml\nstale_after: 1h\n".write(toFile: file, atomically: true, encoding: .utf8)
        let arguments = ["--config", file, "--data-dir", dir.file("data"), "--check-config"]
        let good = try CommandRun.run("yiwang-hub", arguments, environment: ["YIWANG_OFFLINE_AFTER": "10m"])
        #expect(good.status == 0, "\(good.stderr)")
        let bare = try CommandRun.run("yiwang-hub", arguments, environment: ["YIWANG_STALE_AFTER": "3600"])
        #expect(bare.status == 1 && bare.stderr.contains("YIWANG_STALE_AFTER") && bare.stderr.contains("bare number"))
        let flag = try CommandRun.run("yiwang-hub", arguments + ["--offline-after", "30"])
        #expect(flag.status == 1 && flag.stderr.contains("--offline-after"), "\(flag.stderr)")
        // Flags win: realtime_within above stale_after from the environment is set right by the flag.
        let wins = try CommandRun.run(
            "yiwang-hub", arguments + ["--realtime-within", "30s"], environment: ["YIWANG_REALTIME_WITHIN": "2h"])
        #expect(wins.status == 0, "\(wins.stderr)")
        let loses = try CommandRun.run("yiwang-hub", arguments, environment: ["YIWANG_REALTIME_WITHIN": "2h"])
        #expect(loses.status == 1 && loses.stderr.contains("offline_after"), "\(loses.stderr)")
    }
}
