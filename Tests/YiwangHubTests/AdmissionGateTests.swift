import Synchronization
import Testing
import YiwangHub

/// The gate that keeps 130 simultaneous uploads from all holding their batches in memory at once.
@Suite struct AdmissionGateTests {
    final class Occupancy: Sendable {
        let state = Mutex((now: 0, most: 0, done: 0))
    }

    @Test func neverLetsMoreThanTheLimitThroughAndLetsEveryoneThroughInTheEnd() async throws {
        let gate = AdmissionGate(limit: 3)
        let inside = Occupancy()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    try await gate.run {
                        inside.state.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
                        try await Task.sleep(for: .milliseconds(2))
                        inside.state.withLock { $0.now -= 1; $0.done += 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        let result = inside.state.withLock { $0 }
        #expect(result.done == 40)
        #expect(result.most <= 3)
        #expect(result.most >= 2)  // it does let several through: a gate of one would be a bottleneck
    }

    @Test func aThrowingBodyFreesItsPlace() async {
        let gate = AdmissionGate(limit: 1)
        struct Boom: Error {}
        await #expect(throws: Boom.self) { try await gate.run { throw Boom() } }
        let value = await gate.run { 7 }
        #expect(value == 7)
    }
}
