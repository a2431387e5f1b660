import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import YiwangAPI
import YiwangCore
import YiwangHTTP
import YiwangHub
import YiwangStore
import YiwangTesting

/// Authorization on the matched route (issue 13, class 1): every route the router really has × every kind of
/// caller × every spelling of its path the router accepts gets the status its role implies, and a refused
/// `POST /v1/sync` changes nothing at the hub.
@Suite struct HubRouteAccessTests {
    /// The role each route needs. A route the router has and this table lacks fails the test: every new route
    /// must be placed in a group with a role, and listed here.
    static let table: [String: HubAccess] = [
        "POST /v1/sync": .node,
        "GET /v1/changes": .node,
        "GET /v1/snapshot": .node,
        "GET /v1/grants": .node,
        "GET /v1/relay/subtree": .node,
        "GET /v1/nodes": .reader,
        "GET /v1/nodes/{id}": .reader,
        "GET /v1/records/{dataset}/{key}": .reader,
        "GET /v1/records/{dataset}/{key}/history": .reader,
        "GET /v1/datasets/{dataset}/digest": .reader,
        "GET /v1/conflicts": .reader,
        "GET /v1/audit": .reader,
        "GET /v1/audit/head": .reader,
        "GET /v1/audit/verify": .reader,
        "GET /v1/audit/archives": .reader,
        "POST /v1/audit/archives": .admin,
        "GET /healthz": .open,
        "GET /metrics": .open,
    ]

    enum Caller: String, CaseIterable {
        case none, bogus, reader, admin, node, nodeClaimingAnother
    }

    struct Tokens {
        var reader: String
        var admin: String
        var city: String
    }

    static func expected(_ access: HubAccess, _ caller: Caller) -> HTTPResponse.Status {
        switch (access, caller) {
        case (.open, _): .ok
        case (_, .none), (_, .bogus): .unauthorized
        case (.node, .node): .ok
        case (.node, _): .forbidden
        case (.reader, .reader), (.reader, .admin), (.admin, .admin): .ok
        case (.reader, _), (.admin, _): .forbidden
        }
    }

    /// The spellings of `path` the router may take for it: canonical, trailing slash, doubled leading and
    /// inner slashes, and the second slash percent-encoded (`nil` where the path has a single segment).
    static func spellings(_ path: String) -> [(name: String, path: String, same: Bool)] {
        var result = [
            ("canonical", path, true), ("trailing slash", path + "/", true), ("leading //", "/" + path, true),
        ]
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count > 2 {
            result.append(("inner //", "/" + parts[1] + "//" + parts[2...].joined(separator: "/"), true))
            result.append(("%2F", "/" + parts[1] + "%2F" + parts[2...].joined(separator: "/"), false))
        }
        return result
    }

    /// A concrete request path for a route template.
    static func concrete(_ template: String) -> String {
        template.replacingOccurrences(of: "{dataset}", with: "population")
            .replacingOccurrences(of: "{key}", with: "person-1").replacingOccurrences(of: "{id}", with: Fixtures.city)
    }

    @Test(.timeLimit(.minutes(2))) func everyRouteEveryCallerEverySpelling() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        let tokens = Tokens(
            reader: try await hub.store.issueCredential(name: "ops", role: .reader, nowMs: clock.nowMs()),
            admin: try await hub.store.issueCredential(name: "root", role: .admin, nowMs: clock.nowMs()),
            city: try await hub.store.issueCredential(name: Fixtures.city, role: .node, nowMs: clock.nowMs()))
        // One record, so that every operators' route has something to answer 200 with.
        let seed = Fixtures.batch(
            node: Fixtures.city, firstSeq: 1, [Fixtures.version(node: Fixtures.city, counter: 1, hlcMs: clock.nowMs())],
            clockMs: clock.nowMs())
        _ = try await hub.store.apply(
            batch: seed, policies: hub.topology.policies, grants: hub.topology.grants(for: Fixtures.city),
            nowMs: clock.nowMs())
        // What a refused sync would apply: a new record of the city's.
        let probe = Fixtures.batch(
            node: Fixtures.city, firstSeq: 2,
            [Fixtures.version(node: Fixtures.city, counter: 2, key: "probe", hlcMs: clock.nowMs())],
            clockMs: clock.nowMs())

        // A claim an admin may make: the first entry sealed (its head and its file's digest are the hub's own).
        let first = try #require(try await hub.store.auditEntries(from: 1, limit: 1).first)
        let file = try AuditSegmentCodec.encode([first], prev: .genesis)
        let claim = ArchiveClaimBody(
            archiveID: "access-test", directory: "/archive",
            segments: [
                AuditSegmentInfo(
                    file: AuditSegmentInfo.fileName(firstSeq: 1, lastSeq: 1), firstSeq: 1, lastSeq: 1,
                    prevHash: AuditHash.genesis.hex, headHash: first.hash.hex, firstAtMs: first.atMs,
                    lastAtMs: first.atMs, sha256: AuditHash.of(file).hex)
            ])
        let bodies: [String: [UInt8]] = [
            "POST /v1/sync": BatchCodec.encode(probe),
            "POST /v1/audit/archives": Array(try JSONCoding.encoder.encode(claim)),
        ]

        let registered = HubRoutes.router(hub: hub).routes.map(\.description)
        #expect(Set(registered) == Set(Self.table.keys), "every route needs a role: \(registered.sorted())")
        #expect(registered.count == Self.table.count)

        try await HubServer.application(hub: hub).test(.router) { client in
            for route in registered.sorted() {
                let access = try #require(Self.table[route], "\(route) has no declared role")
                let parts = route.split(separator: " ", maxSplits: 1)
                let method = HTTPRequest.Method(String(parts[0]))!
                for spelling in Self.spellings(Self.concrete(String(parts[1]))) {
                    for caller in Caller.allCases {
                        let before = try await Self.snapshot(hub)
                        let response = try await Self.send(
                            client, method: method, path: spelling.path, caller: caller, tokens: tokens,
                            body: bodies[route])
                        let want = spelling.same ? Self.expected(access, caller) : .notFound
                        #expect(
                            response.status == want,
                            "\(route) as \(spelling.name) \(spelling.path) by \(caller): \(response.status)")
                        #expect(
                            response.headers[ProtocolHeaderMiddleware<HubRequestContext>.headerName]
                                == ProtocolVersion.current.description,
                            "\(route) as \(spelling.name) by \(caller): every answer names the hub's protocol")
                        if method == .post, response.status != .ok {
                            let after = try await Self.snapshot(hub)
                            #expect(after == before, "refused \(spelling.path) by \(caller) changed the hub")
                        }
                        if route == "POST /v1/sync", response.status == .ok {
                            // Undo nothing: the probe is now applied; later refusals compare with this state.
                            #expect(try await hub.store.record(dataset: "population", key: "probe") != nil)
                        }
                    }
                }
            }
        }
    }

    /// What a refused request must not change: every node's stored report and the records.
    struct Snapshot: Equatable {
        var nodes: [String: HubNodeRecord]
        var digest: String
    }

    static func snapshot(_ hub: ProvinceHub) async throws -> Snapshot {
        Snapshot(nodes: try await hub.store.nodes(), digest: try await hub.store.digest(dataset: "population").hex)
    }

    static func send(
        _ client: some TestClientProtocol, method: HTTPRequest.Method, path: String, caller: Caller, tokens: Tokens,
        body: [UInt8]?
    ) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        let token: String? =
            switch caller {
            case .none: nil
            case .bogus: "yw_" + String(repeating: "0", count: 64)
            case .reader: tokens.reader
            case .admin: tokens.admin
            case .node, .nodeClaimingAnother: tokens.city
            }
        if let token { headers[.authorization] = "Bearer \(token)" }
        headers[HubRoutes.nodeHeader] = caller == .nodeClaimingAnother ? Fixtures.otherCity : Fixtures.city
        if let body {
            headers[.contentType] = body.first == UInt8(ascii: "{") ? "application/json" : HubRoutes.batchContentType
            return try await client.execute(uri: path, method: method, headers: headers, body: ByteBuffer(bytes: body))
        }
        return try await client.execute(uri: path, method: method, headers: headers)
    }
}
