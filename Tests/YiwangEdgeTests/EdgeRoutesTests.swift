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

/// Runs `body` against the edge routes over a fresh store (no uplink).
func withEdgeApp(
    datasets: [String] = ["population", "finance"], maxValueBytes: Int = 4096,
    _ body: @escaping @Sendable (any TestClientProtocol, EdgeStore) async throws -> Void
) async throws {
    try await withTemporaryDirectory { dir in
        var configuration = EdgeConfiguration(
            nodeID: "430100", hubURL: "http://127.0.0.1:9", dataDirectory: dir.path, datasets: datasets)
        configuration.maxValueBytes = maxValueBytes
        let store = try openStore(dir)
        let routes = EdgeRoutes(
            configuration: configuration, store: store, status: UplinkStatus(), metricsText: { Array("m 1\n".utf8) })
        let app = Application(router: routes.router())
        try await app.test(.router) { client in try await body(client, store) }
    }
}

let actor: HTTPFields = [HTTPField.Name("X-Actor")!: "alice"]

func json(_ response: TestResponse) throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
}

@Suite("Edge local HTTP API")
struct EdgeRoutesTests {
    @Test("PUT, GET and DELETE a record", .timeLimit(.minutes(1)))
    func putGetDelete() async throws {
        try await withEdgeApp { client, _ in
            try await client.execute(
                uri: "/v1/records/population/k1", method: .put, headers: actor, body: ByteBuffer(string: "{\"a\":1}")
            ) { response in
                #expect(response.status == .ok)
                let body = try json(response)
                #expect(body["seq"] as? Int == 1)
                #expect(body["vector"] as? String == "430100:1")
                #expect(body["op"] as? String == "put")
                #expect(body["actor"] as? String == "alice")
                #expect(body["origin"] as? String == "430100")
                #expect((body["value"] as? [String: Any])?["a"] as? Int == 1)
            }
            try await client.execute(uri: "/v1/records/population/k1", method: .get) { response in
                #expect(response.status == .ok)
                let body = try json(response)
                #expect(body["deleted"] as? Bool == false)
                #expect((body["value"] as? [String: Any])?["a"] as? Int == 1)
            }
            try await client.execute(uri: "/v1/records/population/k1", method: .delete, headers: actor) { response in
                #expect(response.status == .ok)
                let body = try json(response)
                #expect(body["op"] as? String == "delete")
                #expect(body["seq"] as? Int == 2)
            }
            try await client.execute(uri: "/v1/records/population/k1", method: .delete, headers: actor) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/v1/records/population/missing", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test("keys are percent-decoded from the path", .timeLimit(.minutes(1)))
    func percentEncodedKey() async throws {
        try await withEdgeApp { client, store in
            try await client.execute(
                uri: "/v1/records/population/a%20b%2Fc%25", method: .put, headers: actor, body: ByteBuffer(string: "{}")
            ) { response in
                #expect(response.status == .ok)
                let body = try json(response)
                #expect(body["key"] as? String == "a b/c%")
            }
            #expect(try await store.record(dataset: "population", key: "a b/c%") != nil)
        }
    }

    struct BadWrite: Sendable, CustomStringConvertible {
        var description: String
        var path: String
        var headers: HTTPFields
        var body: String
        var status: HTTPResponse.Status
        var field: String
    }

    static let badWrites: [BadWrite] = [
        BadWrite(
            description: "missing actor", path: "/v1/records/population/k", headers: [:], body: "{}",
            status: .badRequest, field: "actor"),
        BadWrite(
            description: "array value", path: "/v1/records/population/k", headers: actor, body: "[1]",
            status: .badRequest, field: "value"),
        BadWrite(
            description: "number value", path: "/v1/records/population/k", headers: actor, body: "12",
            status: .badRequest, field: "value"),
        BadWrite(
            description: "malformed JSON", path: "/v1/records/population/k", headers: actor, body: "{\"a\":",
            status: .badRequest, field: "value"),
        BadWrite(
            description: "empty body", path: "/v1/records/population/k", headers: actor, body: "",
            status: .badRequest, field: "value"),
        BadWrite(
            description: "oversized value", path: "/v1/records/population/k", headers: actor,
            body: "{\"s\":\"" + String(repeating: "x", count: 5000) + "\"}", status: .contentTooLarge,
            field: "value"),
        BadWrite(
            description: "key too long", path: "/v1/records/population/" + String(repeating: "k", count: 600),
            headers: actor, body: "{}", status: .badRequest, field: "key"),
        BadWrite(
            description: "dataset not held", path: "/v1/records/medical/k", headers: actor, body: "{}",
            status: .notFound, field: "dataset"),
        BadWrite(
            description: "invalid dataset name", path: "/v1/records/pop%20ulation/k", headers: actor, body: "{}",
            status: .badRequest, field: "dataset"),
    ]

    @Test(
        "bad writes get a JSON error naming the field, and write nothing", .timeLimit(.minutes(1)),
        arguments: badWrites)
    func badWrite(_ bad: BadWrite) async throws {
        try await withEdgeApp { client, store in
            try await client.execute(
                uri: bad.path, method: .put, headers: bad.headers, body: ByteBuffer(string: bad.body)
            ) { response in
                #expect(response.status == bad.status)
                let body = try json(response)
                #expect(body["field"] as? String == bad.field)
                #expect(body["error"] is String)
                #expect(body["message"] is String)
            }
            #expect(try await store.summary().highestSeq == 0)
        }
    }

    @Test("bulk JSON Lines import", .timeLimit(.minutes(1)))
    func bulkImport() async throws {
        try await withEdgeApp { client, store in
            let lines =
                (0..<300).map { "{\"key\":\"k\($0)\",\"value\":{\"i\":\($0),\"s\":\"a,b}\"}}" }
                + ["", "{\"key\":\"k1\",\"delete\":true}", "{\"key\":\"never\",\"delete\":true}"]
            try await client.execute(
                uri: "/v1/records/population", method: .post, headers: actor,
                body: ByteBuffer(string: lines.joined(separator: "\n") + "\n")
            ) { response in
                #expect(response.status == .ok)
                let body = try json(response)
                #expect(body["puts"] as? Int == 300)
                #expect(body["deletes"] as? Int == 1)
                #expect(body["unchanged"] as? Int == 1)
                #expect(body["firstSeq"] as? Int == 1)
                #expect(body["lastSeq"] as? Int == 301)
            }
            #expect(try await store.digest(dataset: "population").records == 300)
            #expect(try await store.record(dataset: "population", key: "k7")?.winner.value == "{\"i\":7,\"s\":\"a,b}\"}")
        }
    }

    @Test(
        "a bad bulk line names its line number and field, and nothing is written", .timeLimit(.minutes(1)),
        arguments: [
            ("{\"key\":\"x\",\"value\":[1]}", "value"), ("{\"value\":{}}", "key"),
            ("{\"key\":\"\",\"value\":{}}", "key"),
            ("{\"key\":\"x\",\"value\":{},\"color\":1}", "color"), ("not json", "line"),
            ("{\"key\":\"x\"}", "value"), ("{\"key\":\"x\",\"delete\":\"yes\"}", "delete"),
        ])
    func badBulkLine(_ line: String, _ field: String) async throws {
        try await withEdgeApp { client, store in
            let body = "{\"key\":\"a\",\"value\":{}}\n{\"key\":\"b\",\"value\":{}}\n" + line + "\n"
            try await client.execute(
                uri: "/v1/records/population", method: .post, headers: actor, body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status.code >= 400 && response.status.code < 500)
                let json = try json(response)
                #expect(json["field"] as? String == field)
                #expect((json["message"] as? String)?.hasPrefix("line 3:") == true)
            }
            #expect(try await store.summary().highestSeq == 0)
        }
    }

    @Test("status, digest, health and metrics", .timeLimit(.minutes(1)))
    func statusDigestHealthMetrics() async throws {
        try await withEdgeApp { client, store in
            _ = try await store.apply(put("k"))
            try await client.execute(uri: "/v1/status", method: .get) { response in
                #expect(response.status == .ok)
                let body = try json(response)
                #expect(body["nodeId"] as? String == "430100")
                #expect(body["backlog"] as? Int == 1)
                #expect(body["highestSeq"] as? Int == 1)
                #expect(body["ackedThrough"] as? Int == 0)
                #expect(body["quarantined"] as? Int == 0)
                #expect(body["oldestPendingMs"] is Int)
                for key in ["lastSyncMs", "hubReachable", "lastError"] { #expect(body.keys.contains(key)) }
            }
            try await client.execute(uri: "/v1/datasets/population/digest", method: .get) { response in
                let body = try json(response)
                #expect(body["records"] as? Int == 1)
                #expect(body["digest"] as? String == (try await store.digest(dataset: "population").hex))
            }
            try await client.execute(uri: "/v1/datasets/medical/digest", method: .get) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "m 1\n")
            }
        }
    }

    @Test("quarantine list and requeue", .timeLimit(.minutes(1)))
    func quarantineAndRequeue() async throws {
        try await withEdgeApp { client, store in
            _ = try await store.apply([put("a"), put("b")])
            try await store.applyAck(
                highWater: 2, rejected: [.init(seq: 2, error: "forbidden", message: "not granted")], nowMs: 1)
            try await client.execute(uri: "/v1/quarantine", method: .get) { response in
                let list = try #require(try json(response)["quarantined"] as? [[String: Any]])
                #expect(list.count == 1)
                #expect(list.first?["seq"] as? Int == 2)
                #expect(list.first?["key"] as? String == "b")
                #expect(list.first?["reason"] as? String == "forbidden: not granted")
            }
            try await client.execute(uri: "/v1/quarantine/2/requeue", method: .post) { response in
                #expect(response.status == .ok)
                let body = try json(response)
                #expect(body["newSeq"] as? Int == 3)
            }
            try await client.execute(uri: "/v1/quarantine/2/requeue", method: .post) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/v1/quarantine/x/requeue", method: .post) { response in
                #expect(response.status == .badRequest)
            }
            // Sequences past what SQLite stores are refused by both routes, and the node keeps serving.
            for action in ["requeue", "drop"] {
                for seq in ["0", "9223372036854775808", "18446744073709551615", "99999999999999999999"] {
                    try await client.execute(
                        uri: "/v1/quarantine/\(seq)/\(action)", method: .post, headers: [.init("X-Actor")!: "ops"],
                        body: ByteBuffer(string: #"{"reason":"r"}"#)
                    ) { response in
                        #expect(response.status == .badRequest, "\(action) \(seq)")
                    }
                }
            }
            #expect(try await store.summary().backlog == 1)
        }
    }
}
