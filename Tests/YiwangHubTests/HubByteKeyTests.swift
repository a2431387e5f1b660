import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import YiwangCore
import YiwangHub
import YiwangStore
import YiwangTesting

/// Issue 13 class 4 at the hub: a key is its bytes, and invalid text is refused naming the field.
@Suite struct HubByteKeyTests {
    let policies: [String: MergePolicy] = ["population": .lww, "social_security": .siblings]
    let grants: Set<String> = ["population", "social_security"]
    let now: Int64 = 1_800_000_000_000
    static let precomposed = "caf\u{E9}"
    static let decomposed = "cafe\u{301}"

    /// The decomposed record holds a version from another city; a batch that writes the precomposed key and
    /// then the decomposed one must merge the latter with ITS record (a conflict, both counters kept), not
    /// with the precomposed one just written.
    @Test(.timeLimit(.minutes(1))) func canonicallyEquivalentKeysAreTwoRecordsWithinOneBatch() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        let other = Fixtures.version(
            node: Fixtures.otherCity, counter: 1, key: Self.decomposed, value: #"{"from":"other"}"#, hlcMs: now)
        _ = try await store.apply(
            batch: Fixtures.batch(node: Fixtures.otherCity, firstSeq: 1, [other], clockMs: now), policies: policies,
            grants: grants, nowMs: now)
        let batch = Fixtures.batch(
            node: Fixtures.city, firstSeq: 1,
            [
                Fixtures.version(node: Fixtures.city, counter: 1, key: Self.precomposed, value: #"{"n":1}"#, hlcMs: now),
                Fixtures.version(node: Fixtures.city, counter: 2, key: Self.decomposed, value: #"{"n":2}"#, hlcMs: now),
            ], clockMs: now)
        let outcome = try await store.apply(batch: batch, policies: policies, grants: grants, nowMs: now + 1)
        #expect(outcome.applied == 2 && outcome.ack.rejected.isEmpty)

        let precomposed = try #require(try await store.record(dataset: "population", key: Self.precomposed))
        let decomposed = try #require(try await store.record(dataset: "population", key: Self.decomposed))
        #expect(precomposed.vector.description == "430100:1")
        #expect(precomposed.winner.value == #"{"n":1}"#)
        #expect(decomposed.vector.description == "430100:2,430200:1")  // the other city's write is not lost
        #expect(try await store.conflicts(dataset: "population", key: Self.decomposed, limit: 10).count == 1)
        #expect(try await store.conflicts(dataset: "population", key: Self.precomposed, limit: 10).isEmpty)
        #expect(try await store.digest(dataset: "population").records == 2)
        // Each record's history holds only its own versions.
        #expect(try await store.history(dataset: "population", key: Self.precomposed).count == 1)
        #expect(try await store.history(dataset: "population", key: Self.decomposed).count == 2)
    }

    @Test(.timeLimit(.minutes(1))) func routesReadEachKeyByItsBytesAndRefuseBadEscapes() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        let app = HubServer.application(hub: hub)
        try await app.test(.router) { client in
            let batch = Fixtures.batch(
                node: Fixtures.city, firstSeq: 1,
                [
                    Fixtures.version(
                        node: Fixtures.city, counter: 1, key: Self.precomposed, value: #"{"n":1}"#, hlcMs: clock.nowMs()),
                    Fixtures.version(
                        node: Fixtures.city, counter: 2, key: Self.decomposed, value: #"{"n":2}"#, hlcMs: clock.nowMs()),
                ], clockMs: clock.nowMs())
            let response = try await HubRoutesTests.post(client, BatchCodec.encode(batch), node: Fixtures.city)
            #expect(response.status == .ok)
            for (path, value) in [("caf%C3%A9", #"{"n":1}"#), ("cafe%CC%81", #"{"n":2}"#)] {
                let record = try await client.execute(uri: "/v1/records/population/\(path)", method: .get)
                #expect(record.status == .ok)
                #expect(String(buffer: record.body).contains(value), "\(path)")
            }
            // Percent-escapes that are not UTF-8 are refused naming the key, not looked up as typed.
            let bad = try await client.execute(uri: "/v1/records/population/caf%E9", method: .get)
            #expect(bad.status == .badRequest)
            let error = try HubRoutesTests.decode(HubRoutesTests.ErrorJSON.self, bad)
            #expect(error.field == "key")
        }
    }

    /// A change whose value holds a lone surrogate escape is refused on its own, naming the value; the change
    /// behind it still applies.
    @Test(
        .timeLimit(.minutes(1)),
        arguments: [#"{"a":"\ud800"}"#, #"{"a":"\udc00"}"#, #"{"a":"\udc00\ud800"}"#])
    func loneSurrogateInValueIsRefusedPerChange(_ value: String) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        let batch = Fixtures.batch(
            node: Fixtures.city, firstSeq: 1,
            [
                Fixtures.version(node: Fixtures.city, counter: 1, key: "bad", value: value, hlcMs: now),
                Fixtures.version(node: Fixtures.city, counter: 2, key: "good", value: #"{"ok":"\ud83d\ude00"}"#, hlcMs: now),
            ], clockMs: now)
        let outcome = try await store.apply(batch: batch, policies: policies, grants: grants, nowMs: now)
        #expect(outcome.ack.rejected.map(\.seq) == [1])
        #expect(outcome.ack.rejected.first?.message.contains("surrogate") == true)
        #expect(try await store.record(dataset: "population", key: "bad") == nil)
        #expect(try await store.record(dataset: "population", key: "good") != nil)
    }

    /// Invalid UTF-8 in a key, an actor or a value on the wire refuses the batch naming the field; nothing is
    /// applied and nothing is replaced with U+FFFD.
    @Test(.timeLimit(.minutes(1)), arguments: ["key", "actor", "value"])
    func invalidUTF8OnTheWireIsRefusedNamingTheField(_ field: String) async throws {
        let marker = "QQQQ"
        var version = Fixtures.version(node: Fixtures.city, counter: 1, key: "k", hlcMs: now)
        switch field {
        case "key": version.key = marker
        case "actor": version.actor = marker
        default: version.value = #"{"a":"QQQQ"}"#
        }
        let batch = Fixtures.batch(node: Fixtures.city, firstSeq: 1, [version], clockMs: now)
        var bytes = BatchCodec.encode(batch, compress: false)
        let needle = Array(marker.utf8)
        let at = try #require((13...(bytes.count - 4)).first { Array(bytes[$0..<($0 + 4)]) == needle })
        bytes.replaceSubrange(at..<(at + 4), with: [0x51, 0xFF, 0xC0, 0x51])
        let crc = Zlib.crc32(Array(bytes[13...]))
        for i in 0..<4 { bytes[9 + i] = UInt8(truncatingIfNeeded: crc >> UInt32(8 * i)) }
        #expect {
            _ = try BatchCodec.decode(bytes)
        } throws: { error in
            let error = error as? YiwangError
            return error?.code == .malformedBatch && error?.field == field
                && error?.message == "\(field) is not valid UTF-8"
        }
    }
}
