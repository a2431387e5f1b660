import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import YiwangCore
import YiwangHub
import YiwangTesting

/// A hostile node, field by field: a valid batch is re-encoded with ONE field replaced by a hostile value
/// (numbers at their extremes, overlong and truncated varints, invalid UTF-8, lying lengths, unknown ops), with
/// a correct checksum so it reaches the decoder's and the applier's checks. Each goes to a fresh hub through the
/// route. Whatever the field: never a trap or a 5xx, the report and `/metrics` still answer afterwards, no text
/// is stored with U+FFFD in place of bytes it could not read, and the audit chain stays intact.
@Suite struct StructuredBatchFuzzTests {
    /// One field of the raw payload, as `BatchCodec` lays it out.
    struct Field {
        enum Kind { case varint, optional, text, op }
        var name: String
        var kind: Kind
        var bytes: [UInt8]
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var v = value
        var out: [UInt8] = []
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
        return out
    }

    static func text(_ bytes: [UInt8]) -> [UInt8] { varint(UInt64(bytes.count)) + bytes }

    /// A two-change batch from the city, field by field (the second change survives a refusal of the first).
    static func fields(nowMs: Int64) -> [Field] {
        let wall = UInt64(nowMs)
        let hlc = HLCTimestamp(wallMs: nowMs).packed
        var fields: [Field] = [
            Field(name: "node", kind: .text, bytes: text(Array(Fixtures.city.utf8))),
            Field(name: "backlog", kind: .varint, bytes: varint(2)),
            Field(name: "oldest pending", kind: .optional, bytes: varint(wall + 1)),
            Field(name: "oldest after batch", kind: .optional, bytes: varint(0)),
            Field(name: "clock", kind: .varint, bytes: varint(wall)),
            Field(name: "report hlc", kind: .varint, bytes: varint(UInt64(hlc))),
            Field(name: "first seq", kind: .varint, bytes: varint(1)),
            Field(name: "change count", kind: .varint, bytes: varint(2)),
        ]
        for seq in 1...2 {
            let c = "change \(seq) "
            fields += [
                Field(name: c + "dataset", kind: .text, bytes: text(Array("population".utf8))),
                Field(name: c + "key", kind: .text, bytes: text(Array("person-\(seq)".utf8))),
                Field(name: c + "vector size", kind: .varint, bytes: varint(1)),
                Field(name: c + "vector node", kind: .text, bytes: text(Array(Fixtures.city.utf8))),
                Field(name: c + "vector counter", kind: .varint, bytes: varint(UInt64(seq))),
                Field(name: c + "hlc", kind: .varint, bytes: varint(UInt64(hlc))),
                Field(name: c + "origin", kind: .text, bytes: text(Array(Fixtures.city.utf8))),
                Field(name: c + "actor", kind: .text, bytes: text(Array("clerk-7".utf8))),
                Field(name: c + "op", kind: .op, bytes: [Operation.put.rawValue]),
                Field(name: c + "value", kind: .text, bytes: text(Array(#"{"name":"Li"}"#.utf8))),
            ]
        }
        return fields
    }

    /// The hostile replacements for a field of `kind`.
    static func hostile(_ kind: Field.Kind) -> [[UInt8]] {
        let numbers: [UInt64] = [
            0, 1, 127, 128, UInt64(Int32.max), UInt64(UInt32.max) + 1, 253_402_300_799_999, 253_402_300_800_001,
            UInt64(Int64.max) - 1, UInt64(Int64.max), UInt64(Int64.max) + 1, UInt64(Int64.max) + 2, UInt64.max,
        ]
        let encoded = numbers.map(varint) + [
            [UInt8](repeating: 0xFF, count: 10) + [0x01],  // overlong: past 64 bits
            [0x80],  // truncated
            [0x80, 0x00],  // non-minimal zero
        ]
        switch kind {
        case .varint, .optional: return encoded
        case .op: return [[0], [2], [3], [0x7F], [0xFF]]
        case .text:
            let bad: [[UInt8]] = [
                [], [0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80],
                [0xC0, 0x80], [0x00], Array("cafe\u{301}".utf8), [UInt8](repeating: 0x61, count: 70),
                Array(#"{"a":"\ud800"}"#.utf8), Array(#"{"a":1}"#.utf8) + [0xFF],
            ]
            return bad.map(text) + [varint(UInt64.max) + [0x61], varint(1 << 40) + [0x61], varint(5) + [0x61]]
        }
    }

    static func body(_ fields: [Field]) -> [UInt8] {
        let raw = fields.flatMap(\.bytes)
        var out = ProtocolVersion.v1.magic + [0]
        let length = UInt32(raw.count)
        let crc = Zlib.crc32(raw)
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: length >> UInt32(shift))) }
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: crc >> UInt32(shift))) }
        return out + raw
    }

    static let replacement: [UInt8] = Array("\u{FFFD}".utf8)

    static func containsReplacement(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 3 else { return false }
        return (0...(bytes.count - 3)).contains { Array(bytes[$0..<($0 + 3)]) == replacement }
    }

    @Test(.timeLimit(.minutes(3))) func everyFieldAtItsHostileValuesLeavesTheHubServingAndHonest() async throws {
        let clock = ManualClock()
        let template = Self.fields(nowMs: clock.nowMs())
        #expect(try BatchCodec.decode(Self.body(template)).changes.count == 2, "the template itself is valid")
        var cases = 0
        for (index, field) in template.enumerated() {
            for replacement in Self.hostile(field.kind) {
                var fields = template
                fields[index].bytes = replacement
                let what = "\(field.name) = \(replacement.prefix(12).map { String($0, radix: 16) })"
                try await Self.check(Self.body(fields), what: what, clock: clock)
                cases += 1
            }
        }
        #expect(cases > 300)
    }

    /// Sends one body to a fresh hub and checks what a user of the hub would notice.
    static func check(_ body: [UInt8], what: String, clock: ManualClock) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let hub = try Fixtures.hub(in: dir, clock: clock)
        try await HubServer.application(hub: hub).test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/sync", method: .post,
                headers: [.contentType: HubRoutes.batchContentType, HubRoutes.nodeHeader: Fixtures.city],
                body: ByteBuffer(bytes: body))
            #expect(response.status.code < 500, "\(what): \(response.status)")
            for uri in ["/v1/nodes", "/v1/nodes/\(Fixtures.city)", "/metrics", "/v1/conflicts"] {
                let read = try await client.execute(uri: uri, method: .get)
                #expect(read.status == .ok, "\(what): GET \(uri) answered \(read.status)")
            }
        }
        // Nothing stored with bytes replaced: every applied version reads back as valid, unreplaced text.
        let page = try await hub.store.feedPage(
            node: Fixtures.otherCity, since: 0, datasets: ["population", "social_security"], limit: 100)
        for version in page.versions {
            for text in [version.dataset, version.key, version.actor, version.origin, version.value ?? ""] {
                #expect(!containsReplacement(text), "\(what): a stored text holds U+FFFD")
            }
        }
        #expect(try await hub.store.verifyAudit(expecting: nil).isIntact, "\(what)")
        try hub.store.close()
    }
}
