import Synchronization

/// Lets at most `limit` tasks through at once; the others wait their turn in arrival order.
///
/// The hub applies batches one at a time (one SQLite writer), so a sync request past the first few only holds
/// memory: 130 nodes each uploading a 1,000-change batch at once peaked at 255 MB of RSS when every body was
/// collected and decoded up front. Requests waiting here have not read their bodies yet (TCP flow control
/// holds them back at the sender).
public final class AdmissionGate: Sendable {
    private struct State {
        var available: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
        var head = 0  // index of the next waiter (the array is compacted when drained)
    }

    private let state: Mutex<State>

    public init(limit: Int) {
        state = Mutex(State(available: max(1, limit)))
    }

    /// Runs `body` once admitted, and admits the next waiter when it returns or throws.
    public func run<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        await enter()
        defer { leave() }
        return try await body()
    }

    private func enter() async {
        let admitted = state.withLock { state -> Bool in
            guard state.available > 0 else { return false }
            state.available -= 1
            return true
        }
        if admitted { return }
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.available > 0 {  // a permit freed since the first look
                    state.available -= 1
                    return true
                }
                state.waiting.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    private func leave() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.head < state.waiting.count else {
                state.waiting.removeAll(keepingCapacity: true)
                state.head = 0
                state.available += 1
                return nil
            }
            defer { state.head += 1 }
            return state.waiting[state.head]  // the permit passes straight to the next waiter
        }
        next?.resume()
    }
}
