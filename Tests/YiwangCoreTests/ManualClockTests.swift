import Testing
import YiwangCore
import YiwangTesting

/// The shared manual clock: time moves only when the test moves it, and sleeps end exactly then.
@Suite struct ManualClockTests {
    @Test("a sleep ends when the clock is advanced to its end, not before", .timeLimit(.minutes(1)))
    func sleepEndsOnAdvance() async throws {
        let clock = ManualClock(1_000, elapsedMs: 0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await clock.sleep(ms: 500) }
            while clock.sleeping == 0 { await Task.yield() }
            clock.advance(ms: 499)
            #expect(clock.sleeping == 1)
            clock.jump(ms: 10_000)
            #expect(clock.sleeping == 1, "a wall clock jump ends no sleep")
            clock.advance(ms: 1)
            try await group.waitForAll()
        }
        #expect(clock.sleeping == 0)
        #expect(clock.nowMs() == 11_500 && clock.elapsedMs() == 500)
    }

    @Test("a cancelled sleep throws and is forgotten", .timeLimit(.minutes(1)))
    func cancelledSleep() async throws {
        let clock = ManualClock()
        let task = Task { try await clock.sleep(ms: 1_000) }
        while clock.sleeping == 0 { await Task.yield() }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.sleeping == 0)
    }

    @Test("times saturate instead of trapping")
    func extremes() async throws {
        let clock = ManualClock(.max, elapsedMs: .max)
        clock.advance(ms: 1)
        clock.jump(ms: .max)
        #expect(clock.nowMs() == .max && clock.elapsedMs() == .max)
        try await clock.sleep(ms: 0)
        try await clock.sleep(ms: -5)
    }
}
