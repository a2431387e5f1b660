import Synchronization

/// The wall clock a node runs on: the hub's time (`ClockReference`), measured on every exchange with the hub.
/// Shared by the store (commit times, HLC) and the uplink (reports), so every time the node sends is in the
/// hub's frame whatever the local clock says.
public final class HubReferencedClock: WallClock {
    private let local: any WallClock
    private let elapsed: any ElapsedClock
    private let reference: Mutex<ClockReference>

    public init(local: any WallClock, elapsed: any ElapsedClock, reference: ClockReference = ClockReference()) {
        self.local = local
        self.elapsed = elapsed
        self.reference = Mutex(reference)
    }

    public func nowMs() -> Int64 {
        let state = reference.withLock { $0 }
        return state.nowMs(localMs: local.nowMs(), elapsedMs: elapsed.elapsedMs())
    }

    /// The elapsed clock's reading, to time a request for `measure`.
    public func elapsedMs() -> Int64 { elapsed.elapsedMs() }

    /// Records one exchange with the hub (see `ClockReference.measure`); returns the new reference.
    @discardableResult
    public func measure(hubMs: Int64, sentElapsedMs: Int64) -> ClockReference {
        let receivedMs = elapsed.elapsedMs()
        let localMs = local.nowMs()
        return reference.withLock {
            $0.measure(hubMs: hubMs, sentMs: sentElapsedMs, receivedMs: receivedMs, localMs: localMs)
            return $0
        }
    }

    /// Starts from a saved reference (see `EdgeStore.savedClockReference`), unless already measured.
    public func restore(_ saved: ClockReference) {
        reference.withLock { if $0.anchorMs == nil { $0 = saved } }
    }

    /// The local wall clock minus the hub's, now; nil until the hub's time was measured or restored.
    public var skewMs: Int64? {
        let state = reference.withLock { $0 }
        guard state.anchorMs != nil || state.skewMs != 0 else { return nil }
        return state.currentSkewMs(localMs: local.nowMs(), elapsedMs: elapsed.elapsedMs())
    }

    public var snapshot: ClockReference { reference.withLock { $0 } }
}
