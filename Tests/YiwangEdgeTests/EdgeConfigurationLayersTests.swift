import Foundation
import Testing
import YiwangCore
import YiwangEdge
import YiwangHTTP
import YiwangTesting

/// The one reader as the node uses it: file, then environment, then flags; durations with units only; the
/// token file read once; an empty listen host on loopback.
@Suite("Edge configuration layers")
struct EdgeConfigurationLayersTests {
    static let required = ["node-id": "430121", "hub": "http://127.0.0.1:9", "data-dir": "/d", "datasets": "population"]

    func write(_ yaml: String, in dir: TemporaryDirectory) throws -> String {
        let path = dir.file("edge.yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a flag beats the environment, which beats the file")
    func precedence() throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-edge-layers")
        defer { dir.remove() }
        let file = try write("heartbeat: 1s\nlinger: 7ms\nretention: 2h\n", in: dir)
        let fromFile = try EdgeConfiguration.load(file: file, environment: [:], flags: Self.required)
        #expect(fromFile.uplink.heartbeatIntervalMs == 1_000 && fromFile.uplink.lingerMs == 7)
        let environment = ["YIWANG_HEARTBEAT": "2s", "YIWANG_LINGER": "9ms", "YIWANG_SEED": "ignored"]
        let fromEnvironment = try EdgeConfiguration.load(file: file, environment: environment, flags: Self.required)
        #expect(fromEnvironment.uplink.heartbeatIntervalMs == 2_000 && fromEnvironment.uplink.lingerMs == 9)
        #expect(fromEnvironment.uplink.retentionMs == 7_200_000)
        var flags = Self.required
        flags["heartbeat"] = "3s"
        let fromFlags = try EdgeConfiguration.load(file: file, environment: environment, flags: flags)
        #expect(fromFlags.uplink.heartbeatIntervalMs == 3_000 && fromFlags.uplink.lingerMs == 9)
        // Every key of the table can come from the environment alone.
        let onlyEnvironment = try EdgeConfiguration.load(
            file: nil,
            environment: [
                "YIWANG_NODE_ID": "430100", "YIWANG_HUB": "https://hub", "YIWANG_DATA_DIR": "/x",
                "YIWANG_DATASETS": "population, finance", "YIWANG_BATCH_MAX_CHANGES": "7",
            ], flags: [:])
        #expect(onlyEnvironment.nodeID == "430100" && onlyEnvironment.datasets == ["population", "finance"])
        #expect(onlyEnvironment.uplink.maxBatchChanges == 7)
    }

    @Test(
        "a bare number or a bad duration is refused, naming the key in its layer",
        arguments: ["5", "5000", "", "5 s", "5S", "-5s", "1e300s", "99999999999999999999d", "1.5ms"])
    func badDurations(_ text: String) throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-edge-layers")
        defer { dir.remove() }
        let file = try write("heartbeat: \"\(text)\"\n", in: dir)
        let inFile = try #require(throws: YiwangError.self) {
            try EdgeConfiguration.load(file: file, environment: [:], flags: Self.required)
        }
        #expect(inFile.field == "heartbeat" && inFile.message.contains(file), "\(inFile)")
        let inEnvironment = try #require(throws: YiwangError.self) {
            try EdgeConfiguration.load(file: nil, environment: ["YIWANG_LINGER": text], flags: Self.required)
        }
        #expect(inEnvironment.field == "YIWANG_LINGER", "\(inEnvironment)")
        var flags = Self.required
        flags["backoff-cap"] = text
        let inFlag = try #require(throws: YiwangError.self) {
            try EdgeConfiguration.load(file: nil, environment: [:], flags: flags)
        }
        #expect(inFlag.field == "--backoff-cap", "\(inFlag)")
    }

    @Test("a bare number in a YAML file (an integer to YAML) is refused too")
    func bareNumberInFile() throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-edge-layers")
        defer { dir.remove() }
        let file = try write("heartbeat: 5000\n", in: dir)
        let error = try #require(throws: YiwangError.self) {
            try EdgeConfiguration.load(file: file, environment: [:], flags: Self.required)
        }
        #expect(error.field == "heartbeat" && error.message.contains("bare number"))
    }

    @Test("unknown keys: a typo in the file is an error naming it; an unknown flag too; other variables are left")
    func unknownKeys() throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-edge-layers")
        defer { dir.remove() }
        let file = try write("heartbaet: 5s\n", in: dir)
        let error = try #require(throws: YiwangError.self) {
            try EdgeConfiguration.load(file: file, environment: [:], flags: Self.required)
        }
        #expect(error.field == "heartbaet" && error.message.contains("unknown key"))
        var flags = Self.required
        flags["heartbaet"] = "5s"
        #expect(throws: YiwangError.self) { try EdgeConfiguration.load(file: nil, environment: [:], flags: flags) }
        // `policies` is a mapping: the file only.
        flags = Self.required
        flags["policies"] = "population=lww"
        #expect(throws: YiwangError.self) { try EdgeConfiguration.load(file: nil, environment: [:], flags: flags) }
        _ = try EdgeConfiguration.load(file: nil, environment: ["YIWANG_HEARTBAET": "x"], flags: Self.required)
        // A key given twice in one file is refused rather than one of the two silently kept.
        let twice = try write("heartbeat: 5s\nheartbeat: 6s\n", in: dir)
        let duplicate = try #require(throws: YiwangError.self) {
            try EdgeConfiguration.load(file: twice, environment: [:], flags: Self.required)
        }
        #expect(duplicate.message.contains("heartbeat") && !duplicate.message.contains("\n"), "\(duplicate)")
    }

    @Test("the token file is read once, from the path the winning layer names")
    func tokenFileReadOnce() throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-edge-layers")
        defer { dir.remove() }
        let token = dir.file("token")
        try "node-secret\n".write(toFile: token, atomically: true, encoding: .utf8)
        // The file names a token file that does not exist; the flag's wins and the file's is never opened.
        let file = try write("token_file: \(dir.file("missing.token"))\n", in: dir)
        var flags = Self.required
        flags["token-file"] = token
        let settings = try EdgeConfiguration.load(file: file, environment: [:], flags: flags)
        #expect(settings.transport.token == "node-secret")
        #expect(settings.transport.tokenFile == nil)
        // Alone, the missing one is an error naming the key.
        let error = try #require(throws: YiwangError.self) {
            try EdgeConfiguration.load(file: file, environment: [:], flags: Self.required)
        }
        #expect(error.field == "token_file" && error.message.contains("missing.token"))
    }

    @Test("an empty listen host is loopback (127.0.0.1), as at the hub")
    func emptyListenHost() throws {
        var flags = Self.required
        flags["listen"] = ":7411"
        let settings = try EdgeConfiguration.load(file: nil, environment: [:], flags: flags)
        #expect(settings.listenHost == "127.0.0.1" && settings.listenPort == 7411)
        for bad in ["7411", "host:", "host:65536", "host:+80", "host:-1", "host:0x10"] {
            flags["listen"] = bad
            let error = try #require(throws: YiwangError.self) {
                try EdgeConfiguration.load(file: nil, environment: [:], flags: flags)
            }
            #expect(error.field == "--listen", "\(bad)")
        }
    }
}
