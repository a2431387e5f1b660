import Foundation
import Testing
import YiwangCore
import YiwangEdge
import YiwangHTTP
import YiwangTesting

/// `config/edge-city.yaml` and `config/edge-county.yaml` are where the node's keys are documented: every key
/// they document parses with the value they show, every key the reader knows is documented there once, and
/// every flag the table promises is in `yiwang-edge --help`.
@Suite struct EdgeConfigDocsTests {
    static let samples = ["edge-city.yaml", "edge-county.yaml"]

    @Test("every documented key parses, with every commented-out example set", arguments: samples)
    func documentedKeysParse(_ name: String) throws {
        let sample = try SampleConfig(name)
        let dir = try TemporaryDirectory(prefix: "yiwang-edge-docs")
        defer { dir.remove() }
        let path = dir.file(name)
        try sample.everyKeySet.write(toFile: path, atomically: true, encoding: .utf8)
        var settings = EdgeConfiguration(nodeID: "", hubURL: "", dataDirectory: "", datasets: [])
        try EdgeConfiguration.reader.apply(file: path, to: &settings)
        #expect(settings.transport.tokenFile != nil && settings.appCredentialsFile != nil)
        #expect(settings.transport.proxy != nil && settings.transport.clientKeyFile != nil)
    }

    @Test("every key of the reader is documented, once, in each sample; no other key is", arguments: samples)
    func everyKeyDocumentedOnce(_ name: String) throws {
        let documented = try SampleConfig(name).documentedKeys
        let known = EdgeConfiguration.keys.filter { $0.layers.contains(.file) }.map(\.name)
        let missing = Set(known).subtracting(documented).sorted()
        let unknown = Set(documented).subtracting(known).sorted()
        #expect(missing.isEmpty && unknown.isEmpty, "\(name): undocumented \(missing), not keys \(unknown)")
        let repeated = Dictionary(grouping: documented, by: { $0 }).filter { $0.value.count > 1 }.keys
        #expect(repeated.isEmpty, "\(name) documents \(repeated.sorted()) more than once")
    }

    @Test("every flag of the table is in --help, and the sample says which flag sets each key")
    func flagsAreInTheHelp() throws {
        let help = try CommandRun.run("yiwang-edge", ["--help"])
        #expect(help.status == 0)
        let sample = try SampleConfig("edge-city.yaml").text
        for key in EdgeConfiguration.keys where key.layers.contains(.flag) {
            #expect(help.stdout.contains(key.flag + " <"), "yiwang-edge --help lacks \(key.flag)")
            #expect(help.stdout.contains(key.environmentName), "yiwang-edge --help lacks \(key.environmentName)")
            #expect(sample.contains(key.flag), "edge-city.yaml does not name \(key.flag)")
        }
    }

    @Test("the daemon reads the environment between the file and its flags, and refuses a bare number")
    func daemonLayers() throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-edge-docs")
        defer { dir.remove() }
        let file = dir.file("edge.yaml")
        try "node_id: \"430121\"\nhub: \"http://127.0.0.1:1\"\ndatasets: [population]\nheartbeat: 5s\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let arguments = ["--config", file, "--data-dir", dir.file("data"), "--check-config"]
        let fromEnvironment = try CommandRun.run("yiwang-edge", arguments, environment: ["YIWANG_HEARTBEAT": "5"])
        #expect(fromEnvironment.status == 1)
        #expect(fromEnvironment.stderr.contains("YIWANG_HEARTBEAT") && fromEnvironment.stderr.contains("bare number"))
        let flagWins = try CommandRun.run(
            "yiwang-edge", arguments + ["--heartbeat", "2s"], environment: ["YIWANG_HEARTBEAT": "5"])
        #expect(flagWins.status == 1, "the environment is read even when a flag wins: \(flagWins.stderr)")
        let good = try CommandRun.run(
            "yiwang-edge", arguments, environment: ["YIWANG_HEARTBEAT": "2s", "YIWANG_NODE_ID": "430100"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("node 430100"), "the environment beats the file: \(good.stdout)")
    }
}
