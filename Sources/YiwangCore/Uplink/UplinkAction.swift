/// What the uplink's I/O side does for `UplinkMachine`. Every list of actions the machine returns ends with
/// exactly one action whose outcome the service feeds back as the next `UplinkEvent` (all but `.report`);
/// the `.report` actions before it only tell (status, metrics, logs) and feed nothing back.
public enum UplinkAction<Batch: Sendable>: Sendable {
    /// Read the sequence the hub is known to hold through → `.cursorLoaded`.
    case loadCursor
    /// Delete entries acknowledged before `ackedBeforeMs` → `.pruned`.
    case prune(ackedBeforeMs: Int64)
    /// Record the hub's acknowledgement in the outbox, and wait for it → `.ackRecorded`.
    case recordAck(AckRecord)
    /// Read consecutive entries from `from`, at most `limit` → `.read`.
    case read(from: UInt64, limit: Int)
    /// Send `batch` (a heartbeat when it holds no change) → `.answered`.
    case send(Batch, UplinkSending)
    /// Send a batch without changes that says the node will never send `seq` (protocol 2) → `.answered`.
    /// `figures` is the read whose first entry is the held one (for the node's report).
    case sendSkipMark(seq: UInt64, SkipMark, figures: Batch)
    /// While sends fail: a status-only heartbeat at `firstSeq`, if anything is pending or quarantined
    /// → `.statusAnswered`.
    case sendStatus(firstSeq: UInt64)
    /// Quarantine the entry the hub refused as a whole single-change batch → `.quarantined`.
    case quarantine(seq: UInt64, reason: String)
    /// Re-issue the writes whose sequences the hub holds other changes under → `.reissued`.
    case reissue(UplinkReissue)
    /// Wait `ms` (or until a local write commits, when `wakeOnWrite`) → `.woke`.
    case wait(ms: Int64, wakeOnWrite: Bool)
    /// Tell status, metrics and logs; nothing is fed back.
    case report(UplinkNote)
}

/// What the service tells `UplinkMachine` about the action it ran.
public enum UplinkEvent<Batch: Sendable>: Sendable {
    case cursorLoaded(ackedThrough: UInt64)
    case pruned
    case ackRecorded
    case read(OutboxRead<Batch>)
    /// The wait ended: by a local write, or its time ran out (or the service is shutting down).
    case woke(byWrite: Bool)
    /// The hub's answer to a `.send` or `.sendSkipMark`; with the read-ahead, when one was asked for and the
    /// answer was an acknowledgement.
    case answered(HubAnswer, readAhead: OutboxRead<Batch>?)
    case quarantined
    /// `ackThrough`: what the hub is taken to hold through after the re-issue (`ReissueOutcome.ackThrough`).
    case reissued(ackThrough: UInt64, message: String)
    /// The hub's answer to a status-only heartbeat; nil when none was sent or the answer was not usable.
    case statusAnswered(SyncAck?)
    /// The action failed (the outbox could not be read or written, the hub could not be reached).
    case failed(UplinkFailure)
}

/// The hub's answer to a batch, as the service read it off the wire.
public enum HubAnswer: Sendable, Hashable {
    /// 200 with an acknowledgement.
    case ack(SyncAck)
    /// 200 with a body that is not an acknowledgement.
    case notAnAck
    /// Another status: `reason` is the hub's error (`code: message`, or `HTTP 400`), `detail` the body's start.
    case status(Int, reason: String, detail: String)
}

/// An I/O failure: its message (shown in `/v1/status`), and whether the hub was reached at all.
public struct UplinkFailure: Sendable, Hashable, Error {
    public var message: String
    public var reachable: Bool

    public init(message: String, reachable: Bool) {
        self.message = message
        self.reachable = reachable
    }
}

/// An acknowledgement to record in the outbox: everything through `through` is held by the parent, `rejected`
/// are quarantined with the parent's reasons, and `atMs` is the time of the answer. `heldThrough` (nil: the
/// same as `through`) is what the province holds when the parent is a relaying city: entries above it are
/// acknowledged but never pruned.
public struct AckRecord: Sendable, Hashable {
    public var through: UInt64
    public var rejected: [SyncAck.Rejection]
    public var atMs: Int64
    public var heldThrough: UInt64?

    public init(through: UInt64, rejected: [SyncAck.Rejection] = [], atMs: Int64, heldThrough: UInt64? = nil) {
        self.through = through
        self.rejected = rejected
        self.atMs = atMs
        self.heldThrough = heldThrough.map { min($0, through) }
    }
}

/// What goes along with a send: an earlier acknowledgement recorded while the batch travels (awaited before
/// the answer is acted on), and the next batch read while the hub applies this one.
public struct UplinkSending: Sendable, Hashable {
    public var recordFirst: AckRecord?
    public var readAhead: ReadAhead?

    public init(recordFirst: AckRecord? = nil, readAhead: ReadAhead? = nil) {
        self.recordFirst = recordFirst
        self.readAhead = readAhead
    }
}

/// The batch after the one being sent: from `from`, at most `limit`, as it will stand once the hub has
/// acknowledged the one being sent (`sent` entries fewer pending).
public struct ReadAhead: Sendable, Hashable {
    public var from: UInt64
    public var limit: Int
    public var sent: Int

    public init(from: UInt64, limit: Int, sent: Int) {
        self.from = from
        self.limit = limit
        self.sent = sent
    }
}

/// The recovery from reused sequences (`EdgeStore.reissue`): the sequences the batch carried that the hub
/// holds other changes under, and the rest of the acknowledgement, recorded afterwards.
public struct UplinkReissue: Sendable, Hashable {
    public var firstSeq: UInt64
    public var reused: [UInt64]
    /// The batch's last sequence, capped at the hub's high water.
    public var batchLastSeq: UInt64
    public var hubHighWater: UInt64
    /// The other refusals of the acknowledgement (quarantined as usual).
    public var others: [SyncAck.Rejection]
    public var atMs: Int64
    /// What the province holds (the acknowledgement's `heldThrough`; nil from a hub reached directly): the
    /// re-issue's acknowledgement must keep it, or a county behind a city would prune what only the city holds.
    public var heldThrough: UInt64?

    public init(
        firstSeq: UInt64, reused: [UInt64], batchLastSeq: UInt64, hubHighWater: UInt64, others: [SyncAck.Rejection],
        atMs: Int64, heldThrough: UInt64?
    ) {
        self.heldThrough = heldThrough
        self.firstSeq = firstSeq
        self.reused = reused
        self.batchLastSeq = batchLastSeq
        self.hubHighWater = hubHighWater
        self.others = others
        self.atMs = atMs
    }
}

/// A read from the outbox, with what the rules need to know about it. `batch` is the service's own value
/// (entries and figures), handed back in `.send`.
public struct OutboxRead<Batch: Sendable>: Sendable {
    public var batch: Batch
    public var firstSeq: UInt64
    /// The last entry's sequence; nil when the read is empty (nothing stored from `firstSeq` on).
    public var lastSeq: UInt64?
    public var count: Int
    /// Entries not yet acknowledged, in this read or after it.
    public var backlog: UInt64
    /// Set when the entry at `firstSeq` is held at this node (quarantined, requeued or dropped): it will never
    /// be sent; the reason it was held.
    public var held: String?
    /// For an empty read: the lowest sequence still stored after `firstSeq`, if any (entries were pruned).
    public var storedFrom: UInt64?

    public init(
        batch: Batch, firstSeq: UInt64, lastSeq: UInt64?, count: Int, backlog: UInt64, held: String? = nil,
        storedFrom: UInt64? = nil
    ) {
        self.batch = batch
        self.firstSeq = firstSeq
        self.lastSeq = lastSeq
        self.count = count
        self.backlog = backlog
        self.held = held
        self.storedFrom = storedFrom
    }
}

extension UplinkAction: Equatable where Batch: Equatable {}
extension UplinkEvent: Equatable where Batch: Equatable {}
extension OutboxRead: Equatable where Batch: Equatable {}
