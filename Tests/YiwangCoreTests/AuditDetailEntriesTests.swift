import Foundation
import Testing
import YiwangCore

/// The chained details are hashed into every log written so far: their bytes are pinned here, as the builders
/// they replaced (the hub's `AuditWriter`, the node's `OutboxChain` and ledger) wrote them, and each reads back
/// into the shape its readers decode.
@Suite struct AuditDetailEntriesTests {
    static let put = Version(
        dataset: "population", key: "p-1", vector: VersionVector(["430100": 3, "430000": 1]),
        hlc: HLCTimestamp(wallMs: 1_790_000_000_000, logical: 2), origin: "430100", actor: "王 \"clerk\"",
        operation: .put, value: #"{"name":"Zhang San"}"#)
    static let valueHash = "6bf63429b21f738a0eac7bd369d9e9a159956298057a0e15351d781e108422e4"

    @Test func appliedAndOutboxedKeepTheirBytes() throws {
        let vector = Self.put.vector.description
        #expect(
            AuditDetail.applied(Self.put, seq: 7, outcome: "applied")
                == #"{"seq":7,"origin":"430100","actor":"王 \"clerk\"","hlc":117309440000000002,"vector":""#
                + vector + #"","op":"put","value_sha256":""# + Self.valueHash + #"","outcome":"applied"}"#)
        #expect(
            AuditDetail.outboxed(Self.put)
                == #"{"actor":"王 \"clerk\"","hlc":117309440000000002,"vector":""# + vector
                + #"","op":"put","value_sha256":""# + Self.valueHash + #""}"#)
        var tombstone = Self.put
        tombstone.operation = .delete
        tombstone.value = nil
        #expect(!AuditDetail.outboxed(tombstone).contains("value_sha256"))
        // A seq past Int64.max is clamped, never a trap.
        #expect(AuditDetail.applied(Self.put, seq: .max, outcome: "held").hasPrefix(#"{"seq":9223372036854775807,"#))
    }

    @Test func appliedReadsBack() throws {
        let detail = try JSONDecoder().decode(
            AppliedDetail.self, from: Data(AuditDetail.applied(Self.put, seq: 7, outcome: "applied").utf8))
        #expect(detail.origin == "430100" && detail.actor == Self.put.actor && detail.op == "put")
        #expect(HLCTimestamp(packed: detail.hlc) == Self.put.hlc)
        #expect(try VersionVector(parsing: detail.vector) == Self.put.vector)
        #expect(detail.valueSHA256 == Self.valueHash)
    }

    @Test func conflictAndRefusalKeepTheirBytes() throws {
        var loser = Self.put
        loser.vector = VersionVector(["430121": 1])
        loser.origin = "430121"
        let conflict = ConflictRecord(winner: Self.put, loser: loser, resolution: .lastWriterWins)
        let text = AuditDetail.conflict(conflict)
        #expect(
            text
                == #"{"resolution":"lww","winner_vector":""# + Self.put.vector.description
                + #"","winner_origin":"430100","loser_vector":"430121:1","loser_origin":"430121"}"#)
        let read = try JSONDecoder().decode(ConflictDetail.self, from: Data(text.utf8))
        #expect(read.resolution == "lww" && read.loserVector == "430121:1")
        #expect(
            AuditDetail.refusal(.invalidField("value", "not an object"), seq: 3)
                == #"{"seq":3,"code":"invalid_field","message":"not an object"}"#)
        #expect(!AuditDetail.refusal(.malformedBatch("bad")).contains("seq"))
    }

    @Test func ledgerKeepsItsBytesAndReadsBack() throws {
        #expect(AuditDetail.ledgerAck(through: 12) == #"{"through":12}"#)
        let range = AuditDetail.ledgerRange(from: 3, through: 9, prev: .genesis, hash: AuditHash.of(Array("x".utf8)))
        #expect(range.hasPrefix(#"{"from":3,"through":9,"prev":"0000"#))
        let read = try JSONDecoder().decode(LedgerDetail.self, from: Data(range.utf8))
        #expect(read.from == 3 && read.through == 9 && read.prev == AuditHash.genesis.hex)
        #expect(read.hash == AuditHash.of(Array("x".utf8)).hex)
    }
}
