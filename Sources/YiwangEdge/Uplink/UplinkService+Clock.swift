import YiwangCore
import YiwangStore

/// The uplink's default clock: the store's (the hub's time, when the store runs on a `HubReferencedClock`),
/// with real sleeps.
struct StoreTimerClock: TimerClock {
    let store: EdgeStore

    func nowMs() -> Int64 { store.nowMs() }

    func sleep(ms: Int64) async throws { try await Task.sleep(for: .milliseconds(ms)) }
}

/// Takes the hub's clock from each answer as a measurement of the node's time (README "Clocks"), and saves
/// the reference for the next start at most once a minute, or at once when the skew moved by over a second
/// (a local clock that jumped).
struct ClockKeeper {
    /// When the clock reference was last saved (elapsed ms) and the skew saved then.
    var saved: (atElapsedMs: Int64, skewMs: Int64)?
    let bootID = SystemElapsedClock.bootID

    mutating func measure(hubMs: Int64, sentElapsedMs: Int64?, service: UplinkService) async {
        // A hub clock outside 1970...9999 is no reading (AckCheck refuses that acknowledgement too).
        guard let clock = service.store.referenceClock, let sentElapsedMs, Millis.wallRange.contains(hubMs) else {
            return
        }
        let reference = clock.measure(hubMs: hubMs, sentElapsedMs: sentElapsedMs)
        if service.store.rebaseClockIfFarAhead() {
            service.logger.notice("hybrid clock was far ahead of the hub's time (a fast local clock); pulled back to it")
        }
        let elapsed = clock.elapsedMs()
        if let saved, elapsed.saturatingSubtract(saved.atElapsedMs) < 60_000,
            saved.skewMs.saturatingSubtract(reference.skewMs).magnitude <= 1_000
        {
            return
        }
        let previous = saved?.skewMs
        saved = (elapsed, reference.skewMs)
        try? await service.store.saveClockReference(reference, bootID: bootID)
        if let note = ClockReference.skewDescription(reference.skewMs),
            previous.map({ ClockReference.skewDescription($0) != note }) ?? true
        {
            service.logger.warning(
                "local clock is off; the node runs on the hub's time",
                metadata: ["yiwang.clock_skew_ms": .stringConvertible(reference.skewMs)])
        }
    }
}

extension UplinkService {
    /// The hub's clock minus this node's local wall clock (what `/v1/status` shows), saturating.
    func hubClockOffset(hubMs: Int64, nowMs: Int64) -> Int64 {
        if let skew = store.referenceClock?.skewMs { return skew == .min ? .max : -skew }
        let (difference, overflow) = hubMs.subtractingReportingOverflow(nowMs)
        return overflow ? (nowMs < 0 ? .max : .min) : difference
    }
}
