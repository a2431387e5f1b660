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

/// Issue 13 class 4 at the edge: a key is its bytes; invalid UTF-8 and lone surrogates are refused with 400
/// naming the field, never replaced with U+FFFD.
@Suite struct EdgeByteKeyTests {
    static let precomposed = "caf\u{E9}"
    static let decomposed = "cafe\u{301}"

    static func error(_ response: TestResponse) throws -> (code: String?, field: String?) {
        let body = try json(response)
        return (body["error"] as? String, body["field"] as? String)
    }

    @Test(.timeLimit(.minutes(1))) func canonicallyEquivalentKeysAreTwoRecords() async throws {
        try await withEdgeApp { client, store in
            for (path, n) in [("caf%C3%A9", 1), ("cafe%CC%81", 2)] {
                try await client.execute(
                    uri: "/v1/records/population/\(path)", method: .put, headers: actor,
                    body: ByteBuffer(string: "{\"n\":\(n)}")
                ) { response in #expect(response.status == .ok) }
            }
            for (path, n) in [("caf%C3%A9", 1), ("cafe%CC%81", 2)] {
                try await client.execute(uri: "/v1/records/population/\(path)", method: .get) { response in
                    #expect(response.status == .ok)
                    let body = try json(response)
                    #expect((body["value"] as? [String: Any])?["n"] as? Int == n)
                }
            }
            try await client.execute(uri: "/v1/datasets/population/digest", method: .get) { response in
                let body = try json(response)
                #expect(body["records"] as? Int == 2)
            }
            // In one bulk request: deleting the decomposed key, which does not exist, changes nothing, whatever
            // the precomposed line before it wrote.
            let lines = "{\"key\":\"caf\u{E9}-2\",\"value\":{\"n\":3}}\n{\"key\":\"cafe\u{301}-2\",\"delete\":true}\n"
            try await client.execute(
                uri: "/v1/records/population", method: .post, headers: actor, body: ByteBuffer(string: lines)
            ) { response in
                #expect(response.status == .ok)
                let body = try json(response)
                #expect(body["puts"] as? Int == 1 && body["deletes"] as? Int == 0 && body["unchanged"] as? Int == 1)
            }
            #expect(try await store.record(dataset: "population", key: Self.decomposed + "-2") == nil)
        }
    }

    /// A bulk write to a key whose canonically equivalent twin is written just before keeps the versions its own
    /// record already holds (here one from the hub's downlink).
    @Test(.timeLimit(.minutes(1))) func bulkWriteMergesWithItsOwnRecord() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(dir)
            let remote = Version(
                dataset: "population", key: Self.decomposed, vector: VersionVector(["430200": 1]),
                hlc: HLCTimestamp(wallMs: 1_700_000_000_000), origin: "430200", actor: "bob", operation: .put,
                value: "{\"from\":\"430200\"}")
            _ = try await store.mergeRemote(remote)
            _ = try await store.apply([put(Self.precomposed), put(Self.decomposed)])
            let precomposed = try #require(try await store.record(dataset: "population", key: Self.precomposed))
            let decomposed = try #require(try await store.record(dataset: "population", key: Self.decomposed))
            #expect(precomposed.vector.description == "430100:1")
            #expect(decomposed.vector.description == "430100:2,430200:1")
            #expect(try await store.digest(dataset: "population").records == 2)
        }
    }

    @Test(.timeLimit(.minutes(1))) func invalidUTF8IsRefusedNamingTheField() async throws {
        try await withEdgeApp { client, store in
            // The value: raw bytes that are not UTF-8.
            var body = ByteBuffer(string: "{\"a\":\"")
            body.writeBytes([0xFF, 0xFE])
            body.writeString("\"}")
            try await client.execute(uri: "/v1/records/population/k", method: .put, headers: actor, body: body) {
                response in
                #expect(response.status == .badRequest)
                let error = try Self.error(response)
                #expect(error.field == "value")
            }
            // The key: a percent-escape that does not decode to UTF-8.
            try await client.execute(
                uri: "/v1/records/population/caf%E9", method: .put, headers: actor, body: ByteBuffer(string: "{}")
            ) { response in
                #expect(response.status == .badRequest)
                let error = try Self.error(response)
                #expect(error.field == "key")
            }
            // The actor: header bytes that are not UTF-8.
            let badActor = HTTPFields([HTTPField(name: HTTPField.Name("X-Actor")!, lenientValue: [0x61, 0xFF, 0x62])])
            try await client.execute(
                uri: "/v1/records/population/k", method: .put, headers: badActor, body: ByteBuffer(string: "{}")
            ) { response in
                #expect(response.status == .badRequest)
                let error = try Self.error(response)
                #expect(error.field == "actor")
            }
            // A bulk body that is not UTF-8.
            var bulk = ByteBuffer(string: "{\"key\":\"k\u{E9}")
            bulk.writeBytes([0xC3])
            bulk.writeString("\",\"value\":{}}\n")
            try await client.execute(uri: "/v1/records/population", method: .post, headers: actor, body: bulk) {
                response in
                #expect(response.status == .badRequest)
                let error = try Self.error(response)
                #expect(error.field == "body")
            }
            #expect(try await store.summary().highestSeq == 0)  // nothing written, nothing replaced
        }
    }

    @Test(.timeLimit(.minutes(1))) func loneSurrogatesAreRefusedAndPairsAccepted() async throws {
        try await withEdgeApp { client, store in
            for value in [#"{"a":"\ud800"}"#, #"{"a":"\udc00"}"#, #"{"a":"\udc00\ud800"}"#] {
                try await client.execute(
                    uri: "/v1/records/population/k", method: .put, headers: actor, body: ByteBuffer(string: value)
                ) { response in
                    #expect(response.status == .badRequest, "\(value)")
                    let error = try Self.error(response)
                    #expect(error.field == "value")
                }
            }
            for line in [#"{"key":"k\ud800","value":{}}"#, #"{"key":"k","value":{"a":"\udfff"}}"#] {
                try await client.execute(
                    uri: "/v1/records/population", method: .post, headers: actor, body: ByteBuffer(string: line)
                ) { response in
                    #expect(response.status == .badRequest, "\(line)")
                }
            }
            #expect(try await store.summary().highestSeq == 0)
            try await client.execute(
                uri: "/v1/records/population/k", method: .put, headers: actor,
                body: ByteBuffer(string: #"{"a":"\ud83d\ude00"}"#)
            ) { response in #expect(response.status == .ok) }
            try await client.execute(
                uri: "/v1/records/population", method: .post, headers: actor,
                body: ByteBuffer(string: #"{"key":"\ud83d\ude00","value":{}}"#)
            ) { response in #expect(response.status == .ok) }
            #expect(try await store.record(dataset: "population", key: "\u{1F600}") != nil)
        }
    }
}
