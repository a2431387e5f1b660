import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import YiwangCore
import YiwangEdge
import YiwangStore
import YiwangTesting

/// Application credentials of the edge's local API (issue 13, class 10): a token per application, bound to
/// the actors it may write as, enforced on the matched route; and no API off loopback without them.
@Suite struct EdgeAppCredentialTests {
    static let portalToken = "yw_" + String(repeating: "a1", count: 32)
    static let batchToken = "yw_" + String(repeating: "b2", count: 32)

    /// Two applications: the portal may write as clerk-7 and "café" (precomposed), the batch job as import.
    static func credentialsFile(in dir: TemporaryDirectory) throws -> String {
        let path = dir.file("apps.yaml")
        try """
        # applications of the node's local API
        applications:
          portal:
            token_sha256: "\(CredentialToken.hash(portalToken))"
            actors: ["clerk-7", "caf\u{E9}"]
          nightly-import:
            token_sha256: "\(CredentialToken.hash(batchToken))"
            actors: [import]
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func withCredentialedApp(
        _ body: @escaping @Sendable (any TestClientProtocol, EdgeStore) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { dir in
            var configuration = EdgeConfiguration(
                nodeID: "430100", hubURL: "https://127.0.0.1:9", dataDirectory: dir.path,
                datasets: ["population"])
            configuration.appCredentials = try AppCredentials.load(path: try credentialsFile(in: dir))
            let store = try openStore(dir)
            let routes = EdgeRoutes(configuration: configuration, store: store, status: UplinkStatus())
            try await Application(router: routes.router()).test(.router) { client in try await body(client, store) }
        }
    }

    static func headers(token: String?, actor: String?) -> HTTPFields {
        var fields: HTTPFields = [:]
        if let token { fields[.authorization] = "Bearer \(token)" }
        if let actor { fields[HTTPField.Name("X-Actor")!] = actor }
        return fields
    }

    static func errorField(_ response: TestResponse) -> String? {
        let object = try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
        return object?["field"] as? String
    }

    @Test(.timeLimit(.minutes(1))) func writesNeedATokenAndAnActorOfThatApplication() async throws {
        try await Self.withCredentialedApp { client, store in
            let body = ByteBuffer(string: #"{"a":1}"#)
            let uri = "/v1/records/population/k1"
            let none = try await client.execute(
                uri: uri, method: .put, headers: Self.headers(token: nil, actor: "clerk-7"), body: body)
            #expect(none.status == .unauthorized)
            let bogus = try await client.execute(
                uri: uri, method: .put, headers: Self.headers(token: "yw_nope", actor: "clerk-7"), body: body)
            #expect(bogus.status == .unauthorized)
            // The batch job may not sign as the portal's clerk, nor the portal as the batch job.
            let other = try await client.execute(
                uri: uri, method: .put, headers: Self.headers(token: Self.batchToken, actor: "clerk-7"), body: body)
            #expect(other.status == .forbidden && Self.errorField(other) == "X-Actor")
            // Canonically equivalent but other bytes ("cafe" + combining acute) is another actor.
            let decomposed = try await client.execute(
                uri: uri, method: .put, headers: Self.headers(token: Self.portalToken, actor: "cafe\u{301}"),
                body: body)
            #expect(decomposed.status == .forbidden && Self.errorField(decomposed) == "X-Actor")
            let bulk = try await client.execute(
                uri: "/v1/records/population", method: .post,
                headers: Self.headers(token: Self.portalToken, actor: "import"),
                body: ByteBuffer(string: #"{"key":"k2","value":{"b":2}}"#))
            #expect(bulk.status == .forbidden && Self.errorField(bulk) == "X-Actor")
            let delete = try await client.execute(
                uri: uri, method: .delete, headers: Self.headers(token: Self.batchToken, actor: "clerk-7"))
            #expect(delete.status == .forbidden)
            #expect(try await store.record(dataset: "population", key: "k1") == nil)
            #expect(try await store.record(dataset: "population", key: "k2") == nil)

            let own = try await client.execute(
                uri: uri, method: .put, headers: Self.headers(token: Self.portalToken, actor: "clerk-7"), body: body)
            #expect(own.status == .ok)
            let precomposed = try await client.execute(
                uri: uri, method: .put, headers: Self.headers(token: Self.portalToken, actor: "caf\u{E9}"),
                body: ByteBuffer(string: #"{"a":2}"#))
            #expect(precomposed.status == .ok)
            let imported = try await client.execute(
                uri: "/v1/records/population", method: .post,
                headers: Self.headers(token: Self.batchToken, actor: "import"),
                body: ByteBuffer(string: #"{"key":"k2","value":{"b":2}}"#))
            #expect(imported.status == .ok)
            #expect(try await store.record(dataset: "population", key: "k2") != nil)
        }
    }

    /// Every route the router has: open ones answer without a token, every other one refuses without one
    /// and serves with one, however its path is spelled.
    @Test(.timeLimit(.minutes(1))) func everyRouteButHealthAndMetricsNeedsAToken() async throws {
        let open: Set<String> = ["GET /healthz", "GET /metrics"]
        try await withTemporaryDirectory { dir in
            var configuration = EdgeConfiguration(
                nodeID: "430100", hubURL: "https://127.0.0.1:9", dataDirectory: dir.path, datasets: ["population"])
            configuration.appCredentials = try AppCredentials.load(path: try Self.credentialsFile(in: dir))
            let routes = EdgeRoutes(configuration: configuration, store: try openStore(dir), status: UplinkStatus())
            let registered = routes.router().routes.map(\.description)
            #expect(registered.count == 12, "\(registered.sorted())")
            try await Application(router: routes.router()).test(.router) { client in
                for route in registered {
                    let parts = route.split(separator: " ", maxSplits: 1)
                    let path = String(parts[1]).replacingOccurrences(of: "{dataset}", with: "population")
                        .replacingOccurrences(of: "{key}", with: "k1").replacingOccurrences(of: "{seq}", with: "1")
                    for spelling in [path, path + "/", "/" + path] {
                        let response = try await client.execute(
                            uri: spelling, method: HTTPRequest.Method(String(parts[0]))!,
                            headers: Self.headers(token: nil, actor: "clerk-7"))
                        if open.contains(route) {
                            #expect(response.status == .ok, "\(route) \(spelling)")
                        } else {
                            #expect(response.status == .unauthorized, "\(route) \(spelling): \(response.status)")
                        }
                    }
                }
                let status = try await client.execute(
                    uri: "/v1/status", method: .get, headers: Self.headers(token: Self.batchToken, actor: nil))
                #expect(status.status == .ok)
            }
        }
    }

    @Test func offLoopbackTheNodeNeedsApplicationCredentials() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var configuration = EdgeConfiguration(
            nodeID: "430100", hubURL: "https://hub:7400", dataDirectory: dir.path, datasets: ["population"])
        for host in ["0.0.0.0", "10.0.0.7", "127.evil.example", "::"] {
            configuration.listenHost = host
            #expect(throws: YiwangError.self) { try configuration.validate() }
            do { try configuration.validate() } catch { #expect(error.field?.contains("app_credentials_file") == true) }
        }
        for host in ["127.0.0.1", "::1", "localhost"] {
            configuration.listenHost = host
            #expect(throws: Never.self) { try configuration.validate() }
        }
        configuration.listenHost = "0.0.0.0"
        configuration.appCredentials = try AppCredentials.load(path: try Self.credentialsFile(in: dir))
        #expect(throws: Never.self) { try configuration.validate() }
    }

    @Test func theDaemonRefusesToStartOffLoopbackNamingTheKey() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let arguments = [
            "--node-id", "430121", "--hub", "https://127.0.0.1:1", "--data-dir", dir.file("edge"), "--datasets",
            "population", "--listen", "0.0.0.0:0",
        ]
        let refused = try CommandRun.run("yiwang-edge", arguments)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("app_credentials_file") && refused.stderr.contains("0.0.0.0"))
        let checked = try CommandRun.run(
            "yiwang-edge", arguments + ["--app-credentials-file", try Self.credentialsFile(in: dir), "--check-config"])
        #expect(checked.status == 0, "\(checked.stderr)")
    }

    @Test func aBadCredentialsFileNamesTheKeyAndTheApplication() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cases = [
            "applications:\n  portal:\n    token_sha256: \"abc\"\n    actors: [a]\n",
            "applications:\n  portal:\n    token_sha256: \"\(CredentialToken.hash("x"))\"\n    actors: []\n",
            "applications: {}\n",
            "apps: {}\n",
        ]
        for text in cases {
            let path = dir.file("bad.yaml")
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(throws: YiwangError.self) { try AppCredentials.load(path: path) }
            do { _ = try AppCredentials.load(path: path) } catch {
                #expect(error.field == AppCredentials.key && error.description.contains(path))
            }
        }
    }

    @Test func yiwangctlPrintsATokenAndTheEntryThatAdmitsIt() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let run = try CommandRun.run(
            "yiwangctl", ["app-credential", "create", "portal", "--actor", "clerk 7", "--actor", "ops"])
        #expect(run.status == 0, "\(run.stderr)")
        let token = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("yw_") && token.utf8.count == 67)
        let entry = run.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().joined(
            separator: "\n")
        #expect(!entry.contains(token), "the file entry must hold the hash, never the token")
        let path = dir.file("apps.yaml")
        try ("applications:\n" + entry).write(toFile: path, atomically: true, encoding: .utf8)
        let application = try #require(try AppCredentials.load(path: path).application(token: token))
        #expect(application.name == "portal" && application.actors == ["clerk 7", "ops"])
        #expect(application.mayWrite(as: "clerk 7") && !application.mayWrite(as: "clerk-7"))
    }
}
