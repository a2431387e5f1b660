import YiwangCore

/// A stretch of a county's stream as its city holds it, ready to forward to the province: the relay outbox's
/// entry (its store is the city's; this is the plain value the forwarder takes). Everything here is the
/// county's own, unchanged, except `receivedAtMs`, the city's.
public struct RelayedStream: Sendable, Hashable {
    /// The county whose changes these are (the batch's node).
    public var origin: String
    /// The way the stream reached this city, from the origin: `[origin]` when the county syncs with this city
    /// directly; longer when another relay below handed it on.
    public var via: [String]
    /// The sequence of the first change (the county's own numbering); for a heartbeat, the next it would send.
    public var firstSeq: UInt64
    /// The county's changes `firstSeq, firstSeq + 1, ...` in order, as it sent them (its signatures included).
    public var changes: [Change]
    /// The county's report with these changes, as it made it (its clock, its backlog).
    public var report: NodeReport
    /// This city's clock when it received `report`: the clock its own reports are in (its hub-referenced time).
    public var receivedAtMs: Int64
    /// The county's skip mark for `firstSeq`, when it sent one (no changes then).
    public var skip: SkipMark?

    public init(
        origin: String, via: [String]? = nil, firstSeq: UInt64, changes: [Change], report: NodeReport,
        receivedAtMs: Int64, skip: SkipMark? = nil
    ) {
        self.origin = origin
        self.via = via ?? [origin]
        self.firstSeq = firstSeq
        self.changes = changes
        self.report = report
        self.receivedAtMs = receivedAtMs
        self.skip = skip
    }
}
