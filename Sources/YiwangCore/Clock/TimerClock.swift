/// A wall clock that can also wait: what a long-running service reads its time from and sleeps on, injected
/// so a test drives it by hand (`YiwangTesting.ManualClock`) instead of sleeping in real time.
public protocol TimerClock: WallClock {
    /// Waits `ms` milliseconds of this clock; throws `CancellationError` when the task is cancelled first.
    func sleep(ms: Int64) async throws
}
