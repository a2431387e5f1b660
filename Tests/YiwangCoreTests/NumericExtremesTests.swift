import Testing
import YiwangCore
import YiwangTesting

/// Issue 13, class 2: every number off the wire is range-checked where it is decoded, and time arithmetic
/// saturates; class 7: no buffer is sized by a claimed length before the bytes are there.
@Suite struct NumericExtremesTests {
    static let now: Int64 = 1_800_000_000_000

    /// What a decoded batch must satisfy for nothing downstream to overflow.
    static func inRange(_ batch: SyncBatch) -> Bool {
        let report = batch.report
        let times = [report.oldestPendingMs, report.oldestAfterBatchMs, report.clockMs].compactMap { $0 }
        return times.allSatisfy(Millis.wallRange.contains) && report.backlog <= UInt64.maxStored
            && report.hlc.wallMs >= 0 && batch.firstSeq <= UInt64.maxStored
            && batch.changes.allSatisfy { change in
                change.seq <= UInt64.maxStored && change.version.hlc.wallMs >= 0
                    && change.version.vector.entries.allSatisfy { $0.counter <= UInt64.maxStored }
            }
    }

    @Test(
        "every numeric field of the batch format at its extremes decodes into range or is refused by name",
        arguments: RawBatch.Field.allCases)
    func batchFieldExtremes(_ field: RawBatch.Field) throws {
        let base = RawBatch(node: "430100", nowMs: Self.now)
        #expect(Self.inRange(try BatchCodec.decode(base.encoded())))
        for value in RawBatch.extremes {
            do {
                let batch = try BatchCodec.decode(base.setting(field, to: value).encoded())
                #expect(Self.inRange(batch), "\(field) = \(value) decoded out of range")
            } catch {
                #expect([.malformedBatch, .invalidVector].contains(error.code), "\(field) = \(value): \(error)")
                #expect(error.field != nil)
            }
        }
    }

    @Test("a time past year 9999 is refused naming its field")
    func timeFieldsNamed() throws {
        let base = RawBatch(node: "430100", nowMs: Self.now)
        let cases: [(RawBatch.Field, String)] = [
            (.clock, "clock"), (.oldestPending, "oldest pending"), (.oldestAfterBatch, "oldest after batch"),
            (.backlog, "backlog"), (.firstSeq, "first seq"),
        ]
        for (field, name) in cases {
            let value = field == .backlog || field == .firstSeq ? UInt64.max : UInt64(Millis.maxWallMs) + 2
            let error = #expect(throws: YiwangError.self) {
                try BatchCodec.decode(base.setting(field, to: value).encoded())
            }
            #expect(error?.field == name)
        }
    }

    @Test("seeded mixes of extremes in every field never trap the decoder")
    func seededMixes() {
        var rng = SplitMix64(seed: 13)
        let base = RawBatch(node: "430100", nowMs: Self.now)
        for _ in 0..<2_000 {
            var batch = base
            for field in RawBatch.Field.allCases where Bool.random(using: &rng) {
                batch = batch.setting(field, to: RawBatch.extremes.randomElement(using: &rng)!)
            }
            if let decoded = try? BatchCodec.decode(batch.encoded()) { #expect(Self.inRange(decoded)) }
        }
    }

    @Test("saturating arithmetic stops at the ends instead of trapping")
    func saturating() {
        #expect(Int64.min.saturatingSubtract(1) == .min)
        #expect(Int64.max.saturatingSubtract(-1) == .max)
        #expect(Int64.max.saturatingAdd(1) == .max)
        #expect(Int64.min.saturatingAdd(-1) == .min)
        #expect(Int64(5).saturatingSubtract(7) == -2)
        #expect(UInt64.max.saturatingAdd(1) == .max)
        #expect(UInt64(0).saturatingSubtract(1) == 0)
        #expect(Millis.clampWall(Int64.min) == 0 && Millis.clampWall(Int64.max) == Millis.maxWallMs)
        #expect(Millis.clampSpan(Int64.min) == -Millis.maxWallMs)
    }

    @Test("the classifier and the clock take extreme readings without trapping")
    func classifierAndClock() throws {
        let extremes: [Int64?] = [nil, .min, -1, 0, Self.now, Millis.maxWallMs, .max]
        for contact in extremes {
            for dataAsOf in extremes {
                let observation = NodeObservation(lastContactMs: contact, dataAsOfMs: dataAsOf)
                for now in [Int64.min, 0, Self.now, Int64.max] {
                    _ = ConnectivityClassifier.classify(observation, nowMs: now, thresholds: .default)
                    if let age = ConnectivityClassifier.dataAgeMs(observation, nowMs: now) { #expect(age >= 0) }
                }
            }
        }
        var clock = HybridLogicalClock(last: HLCTimestamp(wallMs: .max, logical: .max))
        _ = clock.tick(wallMs: 0)
        var other = HybridLogicalClock()
        #expect(throws: YiwangError.self) { try other.receive(HLCTimestamp(wallMs: .max), wallMs: .min) }
        _ = try other.receive(HLCTimestamp(wallMs: .min), wallMs: .max)
    }

    @Test("a 13-byte header claiming 64 MiB over a tiny body is refused without allocating 64 MiB")
    func claimedLengthIsNotAllocated() throws {
        let claimed = 64 << 20
        let body = try #require(Zlib.deflate(Array(repeating: 7, count: 100)))
        var peak = 0
        #expect(Zlib.inflate(body, exactLength: claimed, peakCapacity: &peak) == nil)
        #expect(peak < 1 << 20, "inflate held \(peak) bytes for a 100-byte stream")

        var header = ProtocolVersion.v1.magic + [1]
        for shift in stride(from: 0, to: 32, by: 8) { header.append(UInt8(truncatingIfNeeded: claimed >> shift)) }
        header += [0, 0, 0, 0]
        let started = ContinuousClock.now
        #expect(throws: YiwangError.self) { try BatchCodec.decode(header + body) }
        #expect(ContinuousClock.now - started < .seconds(1))
    }

    @Test("inflate refuses a stream longer than claimed, and round-trips an honest one")
    func inflateBounds() throws {
        let raw = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let body = try #require(Zlib.deflate(raw))
        var peak = 0
        #expect(Zlib.inflate(body, exactLength: raw.count - 1, peakCapacity: &peak) == nil)
        #expect(Zlib.inflate(body, exactLength: raw.count) == raw)
        #expect(Zlib.inflate(Array(body.prefix(body.count / 2)), exactLength: raw.count) == nil)
        #expect(Zlib.inflate([], exactLength: 0) == nil)
    }
}
