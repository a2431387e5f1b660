import Foundation
import Logging
import Testing
import YiwangCore
import YiwangStore
import YiwangTesting

/// Debian's openssl, if installed.
let opensslPath = ["/usr/bin/openssl", "/bin/openssl", "/usr/local/bin/openssl"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

/// A real hub serving TLS with a node credential, and real edges verifying it with the right and a wrong CA.
/// The certificates are throwaway ones made with `openssl` in the test's temporary directory.
@Suite("Live TLS and credentials", .serialized, .enabled(if: opensslPath != nil, "openssl not found: TLS tests skipped"))
struct LiveTLSTests {
    static let openssl = opensslPath

    static func run(_ arguments: [String], in directory: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: openssl!)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw YiwangError.unavailable("openssl \(arguments.first ?? "") failed")
        }
    }

    /// A CA (`NAME-ca.pem`) and, when `server` is set, a server certificate for 127.0.0.1/localhost signed by it.
    static func makeCA(_ name: String, server: Bool, in dir: TemporaryDirectory) throws {
        try run(
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(name)-ca.key", "-out", "\(name)-ca.pem",
             "-days", "2", "-subj", "/CN=\(name) test CA"], in: dir.path)
        guard server else { return }
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(
            toFile: dir.file("san.ext"), atomically: true, encoding: .utf8)
        try run(
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "hub.key", "-out", "hub.csr", "-subj", "/CN=localhost"],
            in: dir.path)
        try run(
            ["x509", "-req", "-in", "hub.csr", "-CA", "\(name)-ca.pem", "-CAkey", "\(name)-ca.key", "-CAcreateserial",
             "-out", "hub.pem", "-days", "2", "-extfile", "san.ext"], in: dir.path)
    }

    @Test("mutual TLS: an edge with a client certificate from the CA syncs, one without cannot connect",
        .timeLimit(.minutes(2)))
    func mutualTLS() async throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-mtls")
        defer { dir.remove() }
        try Self.makeCA("right", server: true, in: dir)
        try Self.run(
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "node.key", "-out", "node.csr", "-subj", "/CN=430100"],
            in: dir.path)
        try Self.run(
            ["x509", "-req", "-in", "node.csr", "-CA", "right-ca.pem", "-CAkey", "right-ca.key", "-CAcreateserial",
             "-out", "node.pem", "-days", "2"], in: dir.path)
        try """
        tls_cert: \(dir.file("hub.pem"))
        tls_key: \(dir.file("hub.key"))
        tls_client_ca: \(dir.file("right-ca.pem"))
        """.write(toFile: dir.file("hub.yaml"), atomically: true, encoding: .utf8)
        let hub = try await LiveHub.start(in: dir, extra: ["--config", dir.file("hub.yaml")])
        let url = "https://127.0.0.1:\(hub.port)"
        let edge = try await LiveEdge.start(
            in: dir, hubURL: url,
            extra: ["--ca-file", dir.file("right-ca.pem"), "--client-cert", dir.file("node.pem"), "--client-key",
                    dir.file("node.key")])
        let client = LiveClient()
        #expect(try await client.put(edge.baseURL, key: "m", value: "{}") == 200)
        #expect(try await client.waitDrained(edge.baseURL))

        let other = try TemporaryDirectory(prefix: "yiwang-mtls-none")
        defer { other.remove() }
        let anonymous = try await LiveEdge.start(in: other, hubURL: url, extra: ["--ca-file", dir.file("right-ca.pem")])
        #expect(try await client.put(anonymous.baseURL, key: "n", value: "{}") == 200)
        let drained = try await client.waitDrained(anonymous.baseURL, seconds: 2)
        #expect(!drained)
        #expect(await anonymous.process.stop(SIGTERM) == 0)
        #expect(await edge.process.stop(SIGTERM) == 0)
        #expect(await hub.process.stop(SIGTERM) == 0)
    }

    @Test("an edge syncs over TLS with the right CA and its token; a wrong CA fails and shows in its status",
        .timeLimit(.minutes(2)))
    func tlsRightAndWrongCA() async throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-tls")
        defer { dir.remove() }
        try Self.makeCA("right", server: true, in: dir)
        try Self.makeCA("wrong", server: false, in: dir)
        // A node credential, minted offline on the hub's data directory: auth is then required.
        let store = try HubStore(directory: dir.file("hub-data"), logger: Logger(label: "test"))
        let token = try await store.issueCredential(name: "430100", role: .node, nowMs: 0)
        try store.close()
        try token.write(toFile: dir.file("token"), atomically: true, encoding: .utf8)

        let hub = try await LiveHub.start(
            in: dir, extra: ["--tls-cert", dir.file("hub.pem"), "--tls-key", dir.file("hub.key")])
        let url = "https://127.0.0.1:\(hub.port)"
        let edge = try await LiveEdge.start(
            in: dir, hubURL: url, extra: ["--ca-file", dir.file("right-ca.pem"), "--token-file", dir.file("token")])
        let client = LiveClient()
        for i in 0..<5 { #expect(try await client.put(edge.baseURL, key: "k\(i)", value: "{\"i\":\(i)}") == 200) }
        #expect(try await client.waitDrained(edge.baseURL))

        let other = try TemporaryDirectory(prefix: "yiwang-tls-wrong")
        defer { other.remove() }
        let wrong = try await LiveEdge.start(
            in: other, hubURL: url, extra: ["--ca-file", dir.file("wrong-ca.pem"), "--token-file", dir.file("token")])
        #expect(try await client.put(wrong.baseURL, key: "w", value: "{}") == 200)
        var lastError = ""
        for _ in 0..<100 where lastError.isEmpty {
            lastError = (try await client.status(wrong.baseURL))["lastError"] as? String ?? ""
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(!lastError.isEmpty, "the wrong CA's failure shows in the edge's status")
        let drained = try await client.waitDrained(wrong.baseURL, seconds: 1)
        #expect(!drained)
        #expect(await wrong.process.stop(SIGTERM) == 0)
        #expect(await edge.process.stop(SIGTERM) == 0)
        #expect(await hub.process.stop(SIGTERM) == 0)
    }
}
