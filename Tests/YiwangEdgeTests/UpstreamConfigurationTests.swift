import Foundation
import Testing
import YiwangCore
import YiwangEdge
import YiwangHTTP
import YiwangTesting

/// `hub` as one URL or a list of upstreams, from every layer; each URL checked, its index in the error.
@Suite struct UpstreamConfigurationTests {
    static let required = ["node-id": "430121", "data-dir": "/d", "datasets": "population"]
    static let city = "https://city.example.gov:7500"
    static let province = "https://hub.example.gov:7400"

    func load(file yaml: String? = nil, environment: [String: String] = [:], flags: [String: String] = [:])
        throws(YiwangError) -> EdgeConfiguration
    {
        let dir = try! TemporaryDirectory(prefix: "yiwang-upstreams")
        defer { dir.remove() }
        let path = yaml.map { text in
            let path = dir.file("edge.yaml")
            try! text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        return try EdgeConfiguration.load(
            file: path, environment: environment, flags: Self.required.merging(flags) { $1 })
    }

    @Test func aSingleURLStillWorksInEveryLayer() throws {
        #expect(try load(file: "hub: \(Self.province)\n").hubURLs == [Self.province])
        #expect(try load(environment: ["YIWANG_HUB": Self.province]).hubURLs == [Self.province])
        let fromFlag = try load(flags: ["hub": Self.province])
        #expect(fromFlag.hubURLs == [Self.province] && fromFlag.hubURL == Self.province)
        #expect(fromFlag.upstreamRetryFirstMs == 30_000)
    }

    @Test func aListInTheFileTheEnvironmentOrRepeatedFlags() throws {
        let both = [Self.city, Self.province]
        #expect(try load(file: "hub: [\(Self.city), \(Self.province)]\n").hubURLs == both)
        #expect(try load(file: "hub:\n  - \(Self.city)\n  - \(Self.province)\n").hubURLs == both)
        #expect(try load(environment: ["YIWANG_HUB": "\(Self.city)  \(Self.province)"]).hubURLs == both)
        // Repeated --hub flags arrive one per line (`ConfigFlags.given`).
        #expect(try load(flags: ["hub": "\(Self.city)\n\(Self.province)"]).hubURLs == both)
    }

    @Test("the flags replace the file's list as a whole, never merge with it")
    func flagBeatsFileAsAWhole() throws {
        let loaded = try load(
            file: "hub: [\(Self.city), \(Self.province)]\nupstream_retry_first: 2s\n",
            flags: ["hub": "http://127.0.0.1:9"])
        #expect(loaded.hubURLs == ["http://127.0.0.1:9"])
        #expect(loaded.upstreamRetryFirstMs == 2_000)
    }

    @Test(
        "a hostile or wrong URL is refused, naming its index",
        arguments: [
            ("ftp://x", "must be an http:// or https:// URL"), ("hub.example.gov", "must be an http:// or https://"),
            ("http://", "has no host"), ("https://:7400", "has no host"), ("http:///v1", "has no host"),
            ("https://user:pw@hub", "must not carry a user or password"), ("https://hub/?a=1", "query"),
            ("https://hub/#x", "fragment"), ("https://h\u{e9}b", "printable ASCII"), ("https://hub\\u0007x", "printable"),
            ("https://" + String(repeating: "a", count: 3_000), "over 2048 bytes"),
            ("https://HUB.EXAMPLE.GOV:7400", "the same upstream as hub[0]"),
            ("https://hub.example.gov:7400/", "the same upstream as hub[0]"),
        ])
    func badURL(_ url: String, _ why: String) throws {
        let error = try #require(throws: YiwangError.self) {
            try load(file: "hub: [\(Self.province), \"\(url)\"]\n")
        }
        #expect(error.field == "hub[1] (--hub)", "\(error)")
        #expect(error.message.contains(why), "\(error)")
        #expect(error.message.contains("edge.yaml"), "the file is named: \(error)")
    }

    @Test func anEmptyOrMisshapenListIsRefused() throws {
        for yaml in ["hub: []\n", "hub: \"\"\n", "hub:\n"] {
            let error = try #require(throws: YiwangError.self) { try load(file: yaml) }
            #expect(error.field == "hub (--hub)" && error.message.contains("required"), "\(yaml): \(error)")
        }
        for yaml in ["hub: {a: b}\n", "hub: [[\(Self.city)]]\n"] {
            let error = try #require(throws: YiwangError.self) { try load(file: yaml) }
            #expect(error.field == "hub", "\(yaml): \(error)")
        }
        let many = (0...EdgeConfiguration.maxUpstreams).map { "https://h\($0)" }.joined(separator: ", ")
        let tooMany = try #require(throws: YiwangError.self) { try load(file: "hub: [\(many)]\n") }
        #expect(tooMany.message.contains("at most \(EdgeConfiguration.maxUpstreams)"), "\(tooMany)")
    }

    @Test(arguments: ["50ms", "0s", "5", "-1s"])
    func retryIntervalBounds(_ text: String) throws {
        #expect(throws: YiwangError.self) {
            try load(flags: ["hub": Self.province, "upstream-retry-first": text])
        }
    }

    @Test func theDaemonTakesRepeatedHubFlags() throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-upstreams")
        defer { dir.remove() }
        let run = try CommandRun.run(
            "yiwang-edge",
            ["--node-id", "430121", "--data-dir", dir.file("d"), "--datasets", "population", "--hub", Self.city,
             "--hub", Self.province, "--check-config"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("hub \(Self.city) then \(Self.province)"), "\(run.stdout)")
        let bad = try CommandRun.run(
            "yiwang-edge",
            ["--node-id", "430121", "--data-dir", dir.file("d"), "--hub", Self.city, "--hub", "nope", "--check-config"])
        #expect(bad.status == 1 && bad.stderr.contains("hub[1]"), "\(bad.stderr)")
    }
}
