import Hummingbird
import NIOCore
import Testing
import YiwangCore
import YiwangHTTP

/// `BodyBudget`: bodies in flight are bounded in bytes that arrived (not claimed), and every byte taken is given
/// back whether the request succeeds, fails, or times out.
@Suite struct BodyBudgetTests {
    /// A body whose chunks the test feeds by hand.
    private static func body() -> (RequestBody, AsyncStream<ByteBuffer>.Continuation) {
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
        return (RequestBody(asyncSequence: stream), continuation)
    }

    private static func chunk(_ count: Int) -> ByteBuffer { ByteBuffer(bytes: [UInt8](repeating: 7, count: count)) }

    @Test(.timeLimit(.minutes(1))) func aBodyThatWouldOverdrawTheBudgetIsRefusedWhileAnotherHoldsIt() async throws {
        let budget = BodyBudget(capacity: 1_000, timeout: .seconds(10))
        let (first, feedFirst) = Self.body()
        let (release, releaseNow) = AsyncStream<Void>.makeStream()
        feedFirst.yield(Self.chunk(600))
        feedFirst.finish()
        async let held: Int = budget.withBody(first, limit: 1_000) { bytes in
            for await _ in release { break }  // holds its 600 bytes while "applying"
            return bytes.count
        }
        while budget.bytesInUse < 600 { try await Task.sleep(for: .milliseconds(5)) }

        let (second, feedSecond) = Self.body()
        feedSecond.yield(Self.chunk(300))
        feedSecond.yield(Self.chunk(300))
        feedSecond.finish()
        let refused = await #expect(throws: YiwangError.self) {
            try await budget.withBody(second, limit: 1_000) { $0.count }
        }
        #expect(refused?.code == .unavailable)
        #expect(budget.bytesInUse == 600, "the refused body gave back the 300 bytes it took")

        releaseNow.yield()
        #expect(try await held == 600)
        #expect(budget.bytesInUse == 0)
    }

    @Test(.timeLimit(.minutes(1))) func aBodyOverTheLimitOrLateIsRefusedAndGivesItsBytesBack() async throws {
        let budget = BodyBudget(capacity: 10_000, timeout: .milliseconds(200))
        let (large, feedLarge) = Self.body()
        feedLarge.yield(Self.chunk(900))
        feedLarge.yield(Self.chunk(900))
        feedLarge.finish()
        let tooLarge = await #expect(throws: YiwangError.self) {
            try await budget.withBody(large, limit: 1_000) { $0.count }
        }
        #expect(tooLarge?.code == .batchTooLarge)
        #expect(budget.bytesInUse == 0)

        let (slow, feedSlow) = Self.body()
        feedSlow.yield(Self.chunk(500))  // and nothing more, never finished
        let started = ContinuousClock.now
        let late = await #expect(throws: YiwangError.self) {
            try await budget.withBody(slow, limit: 1_000) { $0.count }
        }
        #expect(late?.code == .requestTimeout)
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(budget.bytesInUse == 0)
        feedSlow.finish()
    }
}
