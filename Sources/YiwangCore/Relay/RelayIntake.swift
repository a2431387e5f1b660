/// What a relaying city knows of one origin (a county of its subtree): the highest sequence it holds for it
/// (`highWater`, "relayed") and the highest the province holds (`heldThrough`, as the city last heard it from
/// the hub; 0 before). `heldThrough` never exceeds `highWater` (`raised(heldThrough:)` keeps it so).
public struct RelayOrigin: Sendable, Hashable {
    public var highWater: UInt64
    public var heldThrough: UInt64

    public init(highWater: UInt64 = 0, heldThrough: UInt64 = 0) {
        self.highWater = highWater
        self.heldThrough = min(heldThrough, highWater)
    }

    /// After the province says it holds the origin through `seq`: the province's word raises the city's high
    /// water too (a city that lost its disk, or a county that synced direct meanwhile: the city need not hold
    /// what the province does), so a county is never asked to rewind below what the province holds.
    public func raised(heldThrough seq: UInt64) -> RelayOrigin {
        let through = min(seq, UInt64.maxStored)
        return RelayOrigin(highWater: max(highWater, through), heldThrough: max(heldThrough, through))
    }
}

/// One sequence of a county's batch as the city takes it (`RelayIntake.entries`).
public enum RelayEntry: Sendable, Hashable {
    /// A new change: relayed unchanged, and merged into the city's replica when the city holds its dataset.
    case change(Change)
    /// A new change the city refuses (`refusal`): relayed all the same, for the hub to judge it again and
    /// record its own refusal (so the hub's high water passes it, as the county's quarantine expects), never
    /// merged here.
    case refused(Change, YiwangError)
    /// The county's skip mark for `seq` (it will never send it): relayed as a skip mark.
    case skip(seq: UInt64, reason: String)
}

/// The city's rules for a batch a county uploads to it (issue 16, "Up"), as a value: the batch checked against
/// the authenticated county and what the city holds for it, the entries to store in the relay outbox, the
/// county's new position and the acknowledgement, with `heldThrough` (what the province holds). Pure: the
/// edge store executes it in ONE transaction.
///
/// - The batch must be the county's own (`batch.node` by bytes), else the whole batch is refused (`forbidden`).
/// - A gap (the batch starts past `highWater + 1`, e.g. the city lost its disk): nothing is taken; the ack
///   names the expected sequence, exactly as the hub does it (`BatchPlan.isGap`).
/// - A resent sequence (at or below `highWater`) is a duplicate when the relay outbox still holds the same
///   content for it, or no longer holds it (the province has it); a different content is refused
///   (`sequenceReused`), as the hub refuses it, and the county re-issues it.
/// - A new sequence passes the hub's own checks (`ChangeChecks.validate`: the county's own origin, a dataset
///   the topology grants it, well-formed texts and vector, clock not far ahead) or becomes `.refused`.
public struct RelayIntake: Sendable, Hashable {
    /// In sequence order: what to store in the relay outbox.
    public var entries: [RelayEntry]
    /// The county's position after the batch.
    public var origin: RelayOrigin
    public var ack: SyncAck
    /// Resent sequences already held with the same content.
    public var duplicates: Int

    /// - Parameters:
    ///   - county: the authenticated county (its id and granted datasets), from the stored subtree.
    ///   - stored: the relay outbox's content for the batch's resent sequences (those at or below the high
    ///     water that it still holds).
    ///   - rules: the hub's checks' inputs, with `grants` the county's datasets and `nowMs` the city's clock.
    public init(
        batch: SyncBatch, county: String, origin stored: RelayOrigin, held: [UInt64: Version], rules: HubBatchRules
    ) throws(YiwangError) {
        guard ByteKey.equal(batch.node, county) else {
            throw .forbidden("batch is for node '\(batch.node.prefix(64))' but was sent with the credential of '\(county)'")
        }
        if batch.skip != nil, !batch.changes.isEmpty {
            throw .malformedBatch("a skip mark is for the batch's first sequence and the batch has no changes")
        }
        let nowMs = rules.nowMs
        var origin = stored
        if BatchPlan.isGap(firstSeq: batch.firstSeq, highWater: origin.highWater) {
            // Not a gap unless highWater < firstSeq - 1, so highWater + 1 cannot overflow.
            self.init(
                entries: [], origin: origin,
                ack: Self.ack(origin, expectedSeq: origin.highWater + 1, rejected: [], nowMs: nowMs), duplicates: 0)
            return
        }
        var entries: [RelayEntry] = []
        var rejected: [SyncAck.Rejection] = []
        var duplicates = 0
        if let skip = batch.skip, batch.firstSeq > origin.highWater {
            entries.append(.skip(seq: batch.firstSeq, reason: skip.reason))
            origin.highWater = batch.firstSeq
        }
        for change in batch.changes {
            if change.seq <= origin.highWater {
                if let kept = held[change.seq], kept != change.version {
                    let error = YiwangError.sequenceReused(seq: change.seq, highWater: origin.highWater)
                    rejected.append(.init(seq: change.seq, error: error.code.rawValue, message: error.message))
                } else {
                    duplicates += 1
                }
                continue
            }
            // Consecutive from firstSeq by construction (the decoder numbers them), so seq == highWater + 1.
            do {
                try ChangeChecks.validate(change.version, sender: county, rules: rules)
                entries.append(.change(change))
            } catch {
                entries.append(.refused(change, error))
                rejected.append(.init(seq: change.seq, error: error.code.rawValue, message: error.message))
            }
            origin.highWater = change.seq
        }
        self.init(
            entries: entries, origin: origin,
            ack: Self.ack(origin, expectedSeq: nil, rejected: rejected, nowMs: nowMs), duplicates: duplicates)
    }

    public init(entries: [RelayEntry], origin: RelayOrigin, ack: SyncAck, duplicates: Int) {
        self.entries = entries
        self.origin = origin
        self.ack = ack
        self.duplicates = duplicates
    }

    /// The acknowledgement of `origin`'s position: `highWater` relayed, `heldThrough` held by the province.
    public static func ack(_ origin: RelayOrigin, expectedSeq: UInt64?, rejected: [SyncAck.Rejection], nowMs: Int64)
        -> SyncAck
    {
        SyncAck(
            highWater: origin.highWater, expectedSeq: expectedSeq, rejected: rejected, hubClockMs: nowMs,
            heldThrough: min(origin.heldThrough, origin.highWater))
    }

    /// A refusal the city makes itself after the plan (the record's vector goes backwards in its replica):
    /// the entry becomes `.refused` and the ack carries the rejection.
    public mutating func refuse(seq: UInt64, _ error: YiwangError) {
        guard let index = entries.firstIndex(where: { if case .change(let c) = $0 { c.seq == seq } else { false } }),
            case .change(let change) = entries[index]
        else { return }
        entries[index] = .refused(change, error)
        ack.rejected.append(.init(seq: seq, error: error.code.rawValue, message: error.message))
        ack.rejected.sort { $0.seq < $1.seq }
    }
}
