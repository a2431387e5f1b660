/// How the hub dates a relayed node's report: the relay's receive time (in the clock its own reports are in)
/// converted to the hub's through the relay's own offset, as the hub measured it at the relay's last contact. So the
/// node's contact time is when its report reached the relay, and its data age is end to end: what the relay
/// holds but has not delivered does not count as held here.
public struct RelayedContact: Sendable, Hashable {
    /// From the origin to the sender, as the batch's relay section names it (checked by `RelayRoute`).
    public var path: [String]
    /// The relay's clock when it received the origin's report (the clock of its own reports).
    public var receivedAtMs: Int64
    /// That clock minus the hub's (`NodeBookkeeping.reportClockOffsetMs` of the relay).
    public var relayClockOffsetMs: Int64

    public init(path: [String], receivedAtMs: Int64, relayClockOffsetMs: Int64) {
        self.path = path
        self.receivedAtMs = receivedAtMs
        self.relayClockOffsetMs = relayClockOffsetMs
    }

    /// The receive time in the hub's clock, clamped: never before the epoch, never later than `nowMs` (a relay
    /// cannot make a node look fresher than the moment its batch arrives). Saturating.
    public func contactMs(nowMs: Int64) -> Int64 {
        max(0, min(nowMs, receivedAtMs.saturatingSubtract(relayClockOffsetMs)))
    }
}
