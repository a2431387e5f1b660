import Testing
import YiwangCore

/// The relay section (protocol 3, tag 4): what a city adds to a county's batch it forwards.
@Suite struct RelaySectionCodecTests {
    static let relay = RelaySection(path: ["430121", "430100"], receivedAtMs: 1_700_000_050_000)

    static func relayed(changes: Int = 3) -> SyncBatch {
        var batch = BatchCodecTests.sampleBatch(changes: changes)
        batch.relay = relay
        return batch
    }

    /// The batch's payload without a relay section, then `section` appended, framed as an uncompressed v3 batch.
    static func withSection(_ section: [UInt8], version: ProtocolVersion = .v3) -> [UInt8] {
        let plain = BatchCodec.encode(BatchCodecTests.sampleBatch(changes: 2), compress: false, version: .v2)
        let raw = Array(plain[13...]) + section
        func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> UInt32(8 * $0)) } }
        return version.magic + [0] + le32(UInt32(raw.count)) + le32(Zlib.crc32(raw)) + raw
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        repeat {
            var byte = UInt8(value & 0x7F)
            value >>= 7
            if value != 0 { byte |= 0x80 }
            out.append(byte)
        } while value != 0
        return out
    }

    static func string(_ text: String) -> [UInt8] { varint(UInt64(text.utf8.count)) + Array(text.utf8) }
    static func section(_ hops: [String], receivedAt: UInt64 = 1_700_000_050_000, count: UInt64? = nil) -> [UInt8] {
        [4] + varint(count ?? UInt64(hops.count)) + hops.flatMap(string) + varint(receivedAt)
    }

    @Test(arguments: [true, false])
    func aRelayedBatchRoundTripsInVersionThree(compress: Bool) throws {
        for changes in [0, 3] {  // a relayed heartbeat too
            let batch = Self.relayed(changes: changes)
            let bytes = BatchCodec.encode(batch, compress: compress, version: .v1)  // never below 3 with a relay
            #expect(ProtocolVersion.of(magic: bytes) == .v3)
            #expect(try BatchCodec.decode(bytes) == batch)
        }
        var withTailAndSkip = Self.relayed(changes: 0)
        withTailAndSkip.report.quarantined = 2
        withTailAndSkip.skip = SkipMark(reason: "refused")
        #expect(try BatchCodec.decode(BatchCodec.encode(withTailAndSkip)) == withTailAndSkip)
    }

    @Test func theHandMadeSectionReadsAsTheEncoderWritesIt() throws {
        let batch = try BatchCodec.decode(Self.withSection(Self.section(["430121", "430100", "430000x"])))
        #expect(batch.relay == RelaySection(path: ["430121", "430100", "430000x"], receivedAtMs: 1_700_000_050_000))
    }

    @Test func aRelaySectionBeforeVersionThreeIsRefused() {
        let bytes = Self.withSection(Self.section(["430121", "430100"]), version: .v2)
        #expect(throws: YiwangError.self) { try BatchCodec.decode(bytes) }
    }

    @Test(arguments: [
        ("one hop", section(["430121"]), "relay path"),
        ("no hops", section([]), "relay path"),
        ("more hops than the limit", section((0..<17).map { "4301\($0)" }), "relay path"),
        ("a count beyond the bytes left", section(["430121", "430100"], count: 1 << 40), "relay path"),
        ("a count of 2^64-1", section(["430121", "430100"], count: UInt64.max), "relay path"),
        ("a node twice", section(["430121", "430100", "430121"]), "relay path"),
        ("a hop that is no node id", section(["430121", "430 100"]), "relay hop"),
        ("an empty hop", section(["430121", ""]), "relay hop"),
        ("a hop longer than 64 bytes", section(["430121", String(repeating: "4", count: 65)]), "relay hop"),
        ("a time after year 9999", section(["430121", "430100"], receivedAt: UInt64(Millis.maxWallMs) + 1),
         "relay received at"),
        ("a time of 2^64-1", section(["430121", "430100"], receivedAt: UInt64.max), "relay received at"),
        ("truncated", Array(section(["430121", "430100"]).dropLast(3)), "relay received at"),
        ("bytes after it", section(["430121", "430100"]) + [0], "batch"),
        ("twice", section(["430121", "430100"]) + section(["430121", "430100"]), "batch"),
    ] as [(String, [UInt8], String)])
    func hostileSectionsGetATypedError(_ name: String, _ section: [UInt8], _ field: String) {
        do {
            _ = try BatchCodec.decode(Self.withSection(section))
            Issue.record("\(name): decoded")
        } catch {
            #expect(error.code == .malformedBatch, "\(name): \(error)")
            // The element at fault is named, as the field or in the message.
            #expect("\(error.field ?? "") \(error.message)".contains(field), "\(name): \(error)")
        }
    }

    @Test func aHopOfInvalidUTF8IsRefusedNotReplaced() {
        let hop: [UInt8] = [2, 0xFF, 0xFE]
        let section: [UInt8] = [4, 2] + Self.string("430121") + hop + Self.varint(5)
        do {
            _ = try BatchCodec.decode(Self.withSection(section))
            Issue.record("decoded")
        } catch {
            #expect(error.field == "relay hop" && error.message.contains("UTF-8"), "\(error)")
        }
    }
}
