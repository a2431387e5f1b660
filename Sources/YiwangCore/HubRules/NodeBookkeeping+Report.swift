/// What a node's report says beyond its backlog, judged so that the report is never `realtime` while the hub
/// lacks a change (issue 13, class 9): changes the hub refused and the node holds quarantined, and a node's
/// local clock that is off.
extension NodeBookkeeping {
    /// The node's local wall clock minus the hub's: the report's clock (the node's hub-referenced time) minus
    /// the hub's, plus the node's own measure of its local clock against that time. Saturating.
    public static func nodeClockOffset(_ report: NodeReport, conversionOffsetMs: Int64) -> Int64 {
        guard let skew = report.clockSkewMs else { return conversionOffsetMs }
        return skew.saturatingAdd(conversionOffsetMs)
    }

    /// Takes the quarantine figures of `report` (times converted by `hubTime`), plus the `refusedNow` changes of
    /// this batch the node is about to quarantine (no older than the batch's oldest pending change), and returns
    /// the time up to which the hub holds all the node's changes: the oldest of what is pending and what is
    /// quarantined, else `nowMs`.
    public mutating func noteQuarantine(
        _ report: NodeReport, refusedNow: Int = 0, nowMs: Int64, hubTime: (Int64) -> Int64
    ) -> Int64 {
        quarantined = report.quarantined.saturatingAdd(UInt64(max(0, refusedNow)))
        var oldest = report.quarantined > 0 ? report.oldestQuarantinedMs.map(hubTime) ?? nowMs : nil
        if refusedNow > 0 {
            let refused = report.oldestPendingMs.map(hubTime) ?? nowMs
            oldest = min(oldest ?? refused, refused)
        }
        oldestQuarantinedMs = oldest
        return [oldestPendingMs, oldestQuarantinedMs].compactMap { $0 }.min() ?? nowMs
    }

    /// Sets `lastError` to what is wrong now (the clock; changes quarantined at the node, with the hub's last
    /// refusal of this node's changes as the reason), or clears a note of this kind once it no longer holds.
    public mutating func noteStanding(nowMs: Int64, lastRefusal: String?) {
        var notes: [String] = []
        if let clock = ClockReference.skewDescription(clockOffsetMs) { notes.append(clock) }
        if quarantined > 0 {
            notes.append(
                "\(quarantined) change(s) refused by the hub, quarantined at the node"
                    + (lastRefusal.map { " (last: \($0))" } ?? ""))
        }
        if !notes.isEmpty {
            let text = notes.joined(separator: "; ")
            if lastError != text {
                lastError = text
                lastErrorAtMs = nowMs
            }
        } else if let error = lastError, Self.isStandingNote(error) {
            lastError = nil
        }
    }

    /// True for a note `noteStanding` writes (and clears), as opposed to a refusal or a hold.
    public static func isStandingNote(_ error: String) -> Bool {
        error.hasPrefix("clock ") || error.contains("quarantined at the node")
    }

    /// A refusal as the report's `last` names it: `code: message (seq N)`.
    public static func refusalNote(code: String, message: String, seq: UInt64) -> String {
        "\(code): \(message) (seq \(seq))"
    }
}
