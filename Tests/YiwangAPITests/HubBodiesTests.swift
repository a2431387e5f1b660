import Foundation
import Testing
import YiwangAPI
import YiwangCore

/// The hub's answers that are written as text (values embedded as stored) decode into the types `yiwangctl`
/// reads; the others keep the bytes `JSONEncoder` gave them before.
@Suite struct HubBodiesTests {
    static func version(_ origin: String, _ counter: UInt64, actor: String) -> Version {
        Version(
            dataset: "population", key: "p-\"1\"\n", vector: VersionVector([origin: counter]),
            hlc: HLCTimestamp(wallMs: 1_790_000_000_000 + Int64(counter), logical: 1), origin: origin, actor: actor,
            operation: counter == 2 ? .delete : .put, value: #"{"name":"张三"}"#)
    }

    @Test func conflictsTextReadsBack() throws {
        let first = ConflictRecord(
            winner: Self.version("430100", 1, actor: "clerk.7"), loser: Self.version("430121", 2, actor: "王"),
            resolution: .lastWriterWins)
        let second = ConflictRecord(winner: first.loser, loser: first.winner, resolution: .keptAsSiblings)
        let items = [(id: Int64.max, recordedAtMs: Int64(5), conflict: first), (id: 3, recordedAtMs: 6, conflict: second)]
        let full = try JSONCoding.decoder.decode(
            ConflictsBody.self, from: Data(ConflictsBody.json(items, more: true).utf8))
        #expect(full.more && full.nextBefore == 3)
        #expect(full.conflicts.map(\.id) == [.max, 3])
        let entry = full.conflicts[0]
        #expect(entry.resolution == "lww" && entry.dataset == "population" && entry.key == "p-\"1\"\n")
        #expect(entry.winner.actor == "clerk.7" && entry.winner.op == "put" && entry.winner.hlcMs == 1_790_000_000_001)
        #expect(entry.loser.actor == "王" && entry.loser.op == "delete" && entry.loser.vector == "430121:2")
        #expect(full.conflicts[1].resolution == "siblings")
        let last = try JSONCoding.decoder.decode(
            ConflictsBody.self, from: Data(ConflictsBody.json(items, more: false).utf8))
        #expect(!last.more && last.nextBefore == nil)
        #expect(ConflictsBody.json([], more: false) == #"{"conflicts":[],"more":false,"nextBefore":null}"#)
    }

    @Test func encodedBodiesKeepTheirBytes() throws {
        var digest = DatasetDigest()
        digest.add(key: "p-1", state: RecordState(single: Self.version("430100", 1, actor: "clerk.7")))
        let body = DigestBody(dataset: "population", digest: digest)
        #expect(
            String(decoding: try JSONCoding.encoder.encode(body), as: UTF8.self)
                == #"{"dataset":"population","digest":""# + digest.hex + #"","records":1}"#)
        #expect(try JSONCoding.decoder.decode(DigestBody.self, from: try JSONCoding.encoder.encode(body)) == body)
        let error = ErrorBody(.invalidField("value", "not an object"))
        #expect(
            String(decoding: try JSONCoding.encoder.encode(error), as: UTF8.self)
                == #"{"error":"invalid_field","field":"value","message":"not an object"}"#)
        let head = AuditHeadBody(AuditHead(seq: 2, hash: .genesis))
        #expect(head.head == "2:" + AuditHash.genesis.hex)
    }
}
