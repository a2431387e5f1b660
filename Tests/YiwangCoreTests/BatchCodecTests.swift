import PropertyBased
import Testing
import YiwangCore

@Suite struct BatchCodecTests {
    static func sampleBatch(changes count: Int = 50) -> SyncBatch {
        var changes: [Change] = []
        for i in 0..<count {
            let pairs: [String: UInt64] = ["430121": UInt64(100 + i), "430000": 3]
            let op: Operation = i % 7 == 0 ? .delete : .put
            let value = "{\"name\":\"张三\",\"grade\":\(i),\"tags\":[\"a\",\"b\"]}"
            let v = version(
                pairs, key: "citizen-\(i)", hlc: 1_700_000_000_000 + Int64(i), origin: "430121", op: op, value: value)
            changes.append(Change(seq: UInt64(100 + i), version: v))
        }
        return SyncBatch(
            node: "430121", firstSeq: 100,
            report: NodeReport(
                backlog: 500, oldestPendingMs: 1_700_000_000_000, oldestAfterBatchMs: nil, clockMs: 1_700_000_100_000,
                hlc: HLCTimestamp(wallMs: 1_700_000_100_000, logical: 3)),
            changes: changes)
    }

    @Test(arguments: [true, false])
    func roundTrips(compress: Bool) throws {
        let batch = Self.sampleBatch()
        #expect(try BatchCodec.decode(BatchCodec.encode(batch, compress: compress)) == batch)
    }

    @Test func heartbeatRoundTrips() throws {
        let beat = SyncBatch(node: "430100", firstSeq: 7, report: Self.sampleBatch().report, changes: [])
        #expect(try BatchCodec.decode(BatchCodec.encode(beat)) == beat)
    }

    @Test func aSkewBeyondAnyClockIsRefused() {
        for skew in [Int64.min, Int64.max, Millis.maxWallMs + 1] {
            var batch = Self.sampleBatch(changes: 1)
            batch.report.clockSkewMs = skew
            #expect(throws: YiwangError.self) { try BatchCodec.decode(BatchCodec.encode(batch)) }
        }
    }

    @Test(arguments: [Int64(7_200_000), -7_200_000, -Millis.maxWallMs, Millis.maxWallMs, 0])
    func theReportsTailRoundTrips(skewMs: Int64) throws {
        var batch = Self.sampleBatch(changes: 3)
        batch.report.quarantined = 2
        batch.report.oldestQuarantinedMs = 1_699_999_000_000
        batch.report.clockSkewMs = skewMs
        #expect(try BatchCodec.decode(BatchCodec.encode(batch)) == batch)
        var beat = SyncBatch(node: "430100", firstSeq: 7, report: batch.report, changes: [])
        beat.report.quarantined = 0
        beat.report.oldestQuarantinedMs = nil
        #expect(try BatchCodec.decode(BatchCodec.encode(beat)) == beat)
    }

    @Test func aReportWithNothingToAddIsTheVersionOnePayload() throws {
        // A batch from a node before the tail existed decodes, with nothing quarantined and no skew.
        let batch = Self.sampleBatch(changes: 2)
        var tailed = batch
        tailed.report.clockSkewMs = 1
        let plain = BatchCodec.encode(batch, compress: false)
        let withTail = BatchCodec.encode(tailed, compress: false)
        #expect(Array(withTail[13..<plain.count]) == Array(plain[13...]))
        #expect(withTail.count == plain.count + 5)
        let decoded = try BatchCodec.decode(plain)
        #expect(decoded.report.quarantined == 0 && decoded.report.clockSkewMs == nil)
    }

    @Test func compressionShrinksRepetitiveChanges() {
        let batch = Self.sampleBatch(changes: 1_000)
        #expect(BatchCodec.encode(batch).count * 2 < BatchCodec.encode(batch, compress: false).count)
    }

    @Test func everyTruncationIsRejectedWithATypedError() {
        let bytes = BatchCodec.encode(Self.sampleBatch(changes: 5))
        for length in 0..<bytes.count {
            #expect(throws: YiwangError.self) { try BatchCodec.decode(Array(bytes[0..<length])) }
        }
    }

    @Test func aFlippedByteIsCaught() {
        let bytes = BatchCodec.encode(Self.sampleBatch(changes: 5), compress: false)
        for index in stride(from: 13, to: bytes.count, by: 3) {
            var corrupt = bytes
            corrupt[index] ^= 0x40
            #expect(throws: YiwangError.self) { try BatchCodec.decode(corrupt) }
        }
    }

    @Test func oversizedBatchesAreRefusedBeforeInflating() {
        let bytes = BatchCodec.encode(Self.sampleBatch(changes: 200))
        let limits = BatchCodec.Limits(maxRawBytes: 1_000)
        do {
            _ = try BatchCodec.decode(bytes, limits: limits)
            Issue.record("an oversized batch was accepted")
        } catch {
            #expect(error.code == .batchTooLarge)
        }
    }

    @Test func aHugeClaimedLengthDoesNotAllocate() {
        // Header claims a 4 GiB payload: refused by the limit, not attempted.
        var bytes = ProtocolVersion.v1.magic + [1, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]
        bytes += [0x78, 0x9C, 0x03, 0x00]
        #expect(throws: YiwangError.self) { try BatchCodec.decode(bytes) }
    }

    @Test func randomAndMutatedBytesNeverCrash() async {
        let valid = BatchCodec.encode(Self.sampleBatch(changes: 3), compress: false)
        await propertyCheck(count: 2_000, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var rng = SplitMix64(seed: seed)
            var bytes = valid
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] = UInt8.random(in: 0...255, using: &rng)
            }
            if Bool.random(using: &rng) {
                bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
            _ = try? BatchCodec.decode(bytes)
        }
    }

    @Test func mutatedPayloadsWithAValidChecksumStillDecodeSafely() async {
        // Bypass the CRC: corrupt the raw payload, then re-frame it with a correct checksum.
        let raw = Array(BatchCodec.encode(Self.sampleBatch(changes: 3), compress: false)[13...])
        await propertyCheck(count: 2_000, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var rng = SplitMix64(seed: seed)
            var payload = raw
            let i = Int.random(in: 0..<payload.count, using: &rng)
            payload[i] = UInt8.random(in: 0...255, using: &rng)
            var framed = ProtocolVersion.v1.magic + [0]
            let n = UInt32(payload.count)
            let crc = Zlib.crc32(payload)
            framed += (0..<4).map { UInt8(truncatingIfNeeded: n >> (8 * $0)) }
            framed += (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * $0)) }
            _ = try? BatchCodec.decode(framed + payload)
        }
    }
}
