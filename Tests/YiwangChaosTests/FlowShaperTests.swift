import Testing
import YiwangChaos

@Suite struct FlowShaperTests {
    private func shaper(_ faults: [Fault], flow: Flow = .downstream, seed: UInt64 = 1) -> FlowShaper {
        FlowShaper(plan: ConnectionPlan(faults: faults, seed: seed, connection: 1)[flow], seed: seed)
    }

    @Test func cleanPlanPassesAChunkAtOnce() {
        var shaper = shaper([])
        let decision = shaper.decide(length: 1_000, nowNs: ms(5))
        #expect(decision == ChunkDecision(pieces: [.init(offset: 0, length: 1_000, deliverAtNs: ms(5))]))
    }

    @Test func blackholeDropsEverything() {
        var shaper = shaper([.blackhole(direction: .downstream)])
        #expect(shaper.decide(length: 700, nowNs: 0) == ChunkDecision(droppedBytes: 700))
    }

    @Test func blackholeInTheOtherDirectionPasses() {
        var shaper = shaper([.blackhole(direction: .upstream)], flow: .downstream)
        #expect(shaper.decide(length: 700, nowNs: 0).pieces.count == 1)
    }

    @Test func latencyDelaysEveryChunk() {
        var shaper = shaper([.latency(ms: 200)])
        #expect(shaper.decide(length: 10, nowNs: ms(1_000)).pieces.map(\.deliverAtNs) == [ms(1_200)])
        #expect(shaper.decide(length: 10, nowNs: ms(1_050)).pieces.map(\.deliverAtNs) == [ms(1_250)])
    }

    @Test func jitterStaysInBoundsAndNeverReordersBytes() {
        var shaper = shaper([.latency(ms: 100, jitterMs: 50)])
        var last: UInt64 = 0
        var seen = Set<UInt64>()
        for step in 0..<500 {
            let now = ms(step)
            let at = shaper.decide(length: 1, nowNs: now).pieces[0].deliverAtNs
            #expect(at >= last)
            #expect(at <= now + ms(150))
            last = at
            seen.insert(at - now)
        }
        #expect(seen.count > 20)  // actually jittered
    }

    @Test func jitterReproducesFromTheSeed() {
        func run(seed: UInt64) -> [UInt64] {
            var shaper = shaper([.latency(ms: 100, jitterMs: 50)], seed: seed)
            return (0..<50).map { shaper.decide(length: 1, nowNs: ms($0 * 1_000)).pieces[0].deliverAtNs }
        }
        #expect(run(seed: 3) == run(seed: 3))
        #expect(run(seed: 3) != run(seed: 4))
    }

    @Test func limitDataCutsMidChunkThenDropsTheRest() {
        var shaper = shaper([.limitData(bytes: 1_500)])
        #expect(shaper.decide(length: 1_000, nowNs: 0).closeAtNs == nil)
        let cut = shaper.decide(length: 1_000, nowNs: ms(1))
        #expect(cut.pieces == [.init(offset: 0, length: 500, deliverAtNs: ms(1))])
        #expect(cut.droppedBytes == 500)
        #expect(cut.closeAtNs == ms(1))
        #expect(shaper.isCut)
        #expect(shaper.decide(length: 10, nowNs: ms(2)) == ChunkDecision(droppedBytes: 10))
    }

    @Test func limitOfZeroCutsAtTheFirstByte() {
        var shaper = shaper([.limitData(bytes: 0)])
        let decision = shaper.decide(length: 10, nowNs: 0)
        #expect(decision.pieces.isEmpty && decision.droppedBytes == 10 && decision.closeAtNs == 0)
    }

    @Test func aNewLimitStartsANewCount() {
        var shaper = shaper([.limitData(name: "a", bytes: 100)])
        _ = shaper.decide(length: 80, nowNs: 0)
        shaper.update(
            plan: ConnectionPlan(faults: [.limitData(name: "b", bytes: 100)], seed: 1, connection: 1).downstream)
        #expect(shaper.decide(length: 80, nowNs: 0).closeAtNs == nil)
        #expect(shaper.limitedBytes == 80)
    }

    @Test func slicerSplitsIntoSmallSpacedPieces() {
        var shaper = shaper([.slicer(averageSize: 10, sizeVariation: 4, delayMs: 2)])
        let decision = shaper.decide(length: 1_000, nowNs: 0)
        #expect(decision.pieces.map(\.length).reduce(0, +) == 1_000)
        #expect(decision.pieces.dropLast().allSatisfy { (6...14).contains($0.length) })
        var offset = 0
        for (index, piece) in decision.pieces.enumerated() {
            #expect(piece.offset == offset)
            #expect(piece.deliverAtNs == UInt64(index) * ms(2))
            offset += piece.length
        }
    }

    @Test func bandwidthCapsThroughput() {
        var shaper = shaper([.bandwidth(bytesPerSecond: 1_000)])
        let first = shaper.decide(length: 500, nowNs: 0)
        #expect(first.pieces.map(\.length).reduce(0, +) == 500)
        #expect(first.pieces.last?.deliverAtNs == ms(500))
        // A second chunk read at once queues behind the first.
        #expect(shaper.decide(length: 250, nowNs: ms(10)).pieces.last?.deliverAtNs == ms(750))
    }

    @Test func faultsCombine() {
        var shaper = shaper([.latency(ms: 100), .bandwidth(bytesPerSecond: 1_000), .limitData(bytes: 200)])
        let decision = shaper.decide(length: 300, nowNs: 0)
        #expect(decision.pieces.map(\.length).reduce(0, +) == 200)
        #expect(decision.pieces.last?.deliverAtNs == ms(300))  // 100 ms latency + 200 bytes at 1000 B/s
        #expect(decision.closeAtNs == ms(300))
    }
}

@Suite struct BandwidthScheduleTests {
    @Test func transferTimeIsBytesOverRate() {
        let schedule = BandwidthSchedule(bytesPerSecond: 1_000)
        #expect(schedule.transferNs(bytes: 1) == ms(1))
        #expect(schedule.transferNs(bytes: 2_500) == ms(2_500))
        #expect(BandwidthSchedule(bytesPerSecond: 3).transferNs(bytes: 1) == 333_333_333)
    }

    @Test func backToBackPiecesQueueAndIdleTimeEarnsNoBurst() {
        var schedule = BandwidthSchedule(bytesPerSecond: 1_000)
        #expect(schedule.send(bytes: 100, readyAtNs: 0) == ms(100))
        #expect(schedule.send(bytes: 100, readyAtNs: ms(50)) == ms(200))
        #expect(schedule.send(bytes: 100, readyAtNs: ms(5_000)) == ms(5_100))
    }

    @Test func bigChunksAreSplitIntoAtMost64Pieces() {
        let schedule = BandwidthSchedule(bytesPerSecond: 10)
        #expect(schedule.pieceSize(forChunk: 6_400) == 100)
        #expect(BandwidthSchedule(bytesPerSecond: 100_000).pieceSize(forChunk: 100) == 10_000)
    }

    @Test func hugeTransfersDoNotOverflow() {
        #expect(BandwidthSchedule(bytesPerSecond: 1).transferNs(bytes: Int(Int32.max)) > 0)
    }
}
