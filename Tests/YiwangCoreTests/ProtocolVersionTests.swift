import Testing
import YiwangCore

@Suite struct ProtocolVersionTests {
    @Test func aBatchNamesItsVersionInItsMagic() throws {
        let batch = BatchCodecTests.sampleBatch(changes: 3)
        for version in ProtocolVersion.allCases {
            let bytes = BatchCodec.encode(batch, version: version)
            #expect(Array(bytes.prefix(4)) == Array("YWB\(version.rawValue)".utf8))
            #expect(ProtocolVersion.of(magic: bytes) == version)
            #expect(try BatchCodec.decode(bytes) == batch)
        }
        #expect(ProtocolVersion.of(magic: BatchCodec.encode(batch)) == .current)
    }

    @Test func aSkipMarkRoundTripsInVersionTwo() throws {
        var report = BatchCodecTests.sampleBatch().report
        for quarantined in [UInt64(0), 3] {  // with and without the report's tail before it
            report.quarantined = quarantined
            let skip = SyncBatch(
                node: "430121", firstSeq: 42, report: report, changes: [],
                skip: SkipMark(reason: "invalid_field: value is not a JSON object"))
            let bytes = BatchCodec.encode(skip, version: .v1)  // a skip is never written as version 1
            #expect(ProtocolVersion.of(magic: bytes) == .v2)
            #expect(try BatchCodec.decode(bytes) == skip)
        }
    }

    @Test func aSkipMarkIsOnlyForAnEmptyBatchFromSequenceOne() throws {
        var withChanges = BatchCodecTests.sampleBatch(changes: 1)
        withChanges.skip = SkipMark(reason: "x")
        #expect(throws: YiwangError.self) { try BatchCodec.decode(BatchCodec.encode(withChanges)) }
        let atZero = SyncBatch(
            node: "430121", firstSeq: 0, report: withChanges.report, changes: [], skip: SkipMark(reason: "x"))
        #expect(throws: YiwangError.self) { try BatchCodec.decode(BatchCodec.encode(atZero)) }
    }

    @Test func aVersionOneBatchWithASkipSectionIsRefused() throws {
        // Version 2's sections are not version 1's: the same payload under "YWB1" has unexpected bytes.
        let skip = SyncBatch(
            node: "430121", firstSeq: 9, report: BatchCodecTests.sampleBatch().report, changes: [],
            skip: SkipMark(reason: "x"))
        var bytes = BatchCodec.encode(skip, compress: false)
        bytes.replaceSubrange(0..<4, with: ProtocolVersion.v1.magic)
        #expect(throws: YiwangError.self) { try BatchCodec.decode(bytes) }
    }

    @Test func aNewerVersionIsRefusedNamingTheUpgrade() {
        var bytes = BatchCodec.encode(BatchCodecTests.sampleBatch(changes: 1))
        bytes[3] = UInt8(ascii: "9")
        do {
            _ = try BatchCodec.decode(bytes)
            Issue.record("a version 9 batch decoded")
        } catch {
            #expect(error.message.contains("newer than this hub"))
            #expect(error.message.contains("upgrade the hub"))
        }
        #expect(ProtocolVersion.of(magic: Array("YWB0".utf8)) == nil)
        #expect(ProtocolVersion.of(magic: Array("YWB".utf8)) == nil)
    }

    @Test func theHeaderValueIsDigitsOfAKnownVersion() {
        #expect(ProtocolVersion(header: "2") == .v2)
        #expect(ProtocolVersion(header: "1") == .v1)
        #expect(ProtocolVersion(header: "3") == .v3)
        for bad in [nil, "", "0", "4", "02x", " 2", "2 ", "-1", "99999999999999999999", "２", "v2"] {
            #expect(ProtocolVersion(header: bad) == nil, "\(bad ?? "nil")")
        }
    }

    @Test func aSkipReasonIsCutOnACharacterBoundary() {
        let long = String(repeating: "张", count: 200)  // 600 bytes
        let mark = SkipMark(reason: long)
        #expect(mark.reason.utf8.count <= SkipMark.maxReasonBytes)
        #expect(mark.reason.utf8.count == 510)
        #expect(mark.reason.allSatisfy { $0 == "张" })
        #expect(SkipMark(reason: "short").reason == "short")
    }

    @Test func aSkipReasonThatIsNotValidUTF8OrTooLongIsRefused() throws {
        let report = BatchCodecTests.sampleBatch().report
        var mark = SkipMark(reason: "abcd")
        let skip = SyncBatch(node: "430121", firstSeq: 5, report: report, changes: [], skip: mark)
        var bytes = BatchCodec.encode(skip, compress: false)
        let reason = try #require(bytes.indices.last { Array(bytes[$0...].prefix(4)) == Array("abcd".utf8) })
        bytes.replaceSubrange(reason..<reason + 4, with: [0xFF, 0xFE, 0x61, 0x62])
        let crc = Zlib.crc32(Array(bytes[13...]))
        for i in 0..<4 { bytes[9 + i] = UInt8(truncatingIfNeeded: crc >> UInt32(8 * i)) }
        do {
            _ = try BatchCodec.decode(bytes)
            Issue.record("a skip reason of invalid UTF-8 decoded")
        } catch {
            #expect(error.field == "skip reason" && error.message.contains("not valid UTF-8"), "\(error)")
        }
        mark.reason = String(repeating: "x", count: SkipMark.maxReasonBytes + 1)  // only a hand-made mark is longer
        let long = SyncBatch(node: "430121", firstSeq: 5, report: report, changes: [], skip: mark)
        #expect(throws: YiwangError.self) { try BatchCodec.decode(BatchCodec.encode(long)) }
    }
}
