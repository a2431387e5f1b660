import Synchronization

/// A wake-up signal for one waiter: `ring()` wakes a pending `wait`, or makes the next `wait` return at once.
public final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    public func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.rung = true
            return nil
        }
        waiter?.resume()
    }

    /// Waits until rung or until `timeoutMs` has passed (or the task is cancelled); true when rung.
    @discardableResult
    public func wait(timeoutMs: Int64) async -> Bool {
        if state.withLock({ state in
            defer { state.rung = false }
            return state.rung
        }) {
            return true
        }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.waitForRing() }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(timeoutMs))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            if !first { self.cancelWaiter() }
            await group.waitForAll()
            return first
        }
    }

    private func waitForRing() async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.rung || Task.isCancelled {
                        state.rung = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
            return true
        } onCancel: {
            self.cancelWaiter()
        }
    }

    private func cancelWaiter() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
