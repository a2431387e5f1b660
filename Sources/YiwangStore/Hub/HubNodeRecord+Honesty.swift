import GRDB
import YiwangCore

/// What a node's report says beyond its backlog, judged so that the report is never `realtime` while the hub
/// lacks a change (issue 13, class 9): changes the hub refused and the node holds quarantined, and a node's
/// local clock that is off.
extension HubNodeRecord {
    /// The node's local wall clock minus the hub's: the report's clock (the node's hub-referenced time) minus
    /// the hub's, plus the node's own measure of its local clock against that time. Saturating.
    static func nodeClockOffset(_ report: NodeReport, conversionOffsetMs: Int64) -> Int64 {
        guard let skew = report.clockSkewMs else { return conversionOffsetMs }
        let (sum, overflow) = skew.addingReportingOverflow(conversionOffsetMs)
        return overflow ? (skew > 0 ? .max : .min) : sum
    }

    /// Takes the quarantine figures of `report` (times converted by `hubTime`), plus the `refusedNow` changes of
    /// this batch the node is about to quarantine (no older than the batch's oldest pending change), and returns
    /// the time up to which the hub holds all the node's changes: the oldest of what is pending and what is
    /// quarantined, else `nowMs`.
    mutating func noteQuarantine(
        _ report: NodeReport, refusedNow: Int = 0, nowMs: Int64, hubTime: (Int64) -> Int64
    ) -> Int64 {
        let (count, overflow) = report.quarantined.addingReportingOverflow(UInt64(max(0, refusedNow)))
        quarantined = overflow ? .max : count
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
    mutating func noteStanding(nowMs: Int64, lastRefusal: String?) {
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

    static func isStandingNote(_ error: String) -> Bool {
        error.hasPrefix("clock ") || error.contains("quarantined at the node")
    }
}

extension BatchApplier {
    /// The hub's last refusal of one of `node`'s changes (`code: message (seq N)`), never a record value.
    static func lastRefusal(_ db: Database, node: String) throws -> String? {
        let row = try Row.fetchOne(
            db.cachedStatement(
                sql: "SELECT code, message, seq FROM rejected_changes WHERE node = ? ORDER BY id DESC LIMIT 1"),
            arguments: [node])
        guard let row else { return nil }
        let code: String = row["code"]
        let message: String = row["message"]
        let seq: Int64 = row["seq"]
        return "\(code): \(message) (seq \(seq))"
    }
}
