import Synchronization
import YiwangCore

/// Clocks a test moves by hand, shared by every test target: a wall clock (which may be hours off, or jump)
/// and an elapsed one that never jumps, and sleeps that end only when the test moves time past them.
///
/// - `advance(ms:)`: time passes; both clocks move, and every sleep whose end is reached returns.
/// - `jump(ms:)` / `set(_:)`: the wall clock is set (NTP, an operator, a VM resumed); only it moves.
public final class ManualClock: WallClock, ElapsedClock, TimerClock, Sendable {
    private struct Sleeper {
        var untilElapsedMs: Int64
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var wallMs: Int64
        var elapsedMs: Int64
        var sleepers: [Int: Sleeper] = [:]
        var nextID = 0
    }

    private let state: Mutex<State>

    public init(_ wallMs: Int64 = 1_800_000_000_000, elapsedMs: Int64 = 1_000) {
        state = Mutex(State(wallMs: wallMs, elapsedMs: elapsedMs))
    }

    public func nowMs() -> Int64 { state.withLock { $0.wallMs } }

    public func elapsedMs() -> Int64 { state.withLock { $0.elapsedMs } }

    /// Sleeps not yet ended.
    public var sleeping: Int { state.withLock { $0.sleepers.count } }

    /// Time passes: both clocks move by `ms` (saturating), and the sleeps it ends return.
    public func advance(ms: Int64) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.wallMs = state.wallMs.saturatingAdd(ms)
            state.elapsedMs = state.elapsedMs.saturatingAdd(ms)
            let due = state.sleepers.filter { $0.value.untilElapsedMs <= state.elapsedMs }
            for id in due.keys { state.sleepers[id] = nil }
            return due.values.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }

    /// The wall clock jumps by `ms`; the elapsed clock and the sleeps do not notice.
    public func jump(ms: Int64) { state.withLock { $0.wallMs = $0.wallMs.saturatingAdd(ms) } }

    /// The wall clock is set to `wallMs`.
    public func set(_ wallMs: Int64) { state.withLock { $0.wallMs = wallMs } }

    /// Returns once `advance` has moved the elapsed clock `ms` on (at once for `ms <= 0`); throws
    /// `CancellationError` when the task is cancelled first.
    public func sleep(ms: Int64) async throws {
        guard ms > 0 else { return }
        let id = state.withLock { state -> Int in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let cancelled = state.withLock { state -> Bool in
                    if Task.isCancelled { return true }
                    state.sleepers[id] = Sleeper(
                        untilElapsedMs: state.elapsedMs.saturatingAdd(ms), continuation: continuation)
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }
}
