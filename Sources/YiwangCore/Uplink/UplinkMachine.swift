/// The uplink's rules as a value (the shape of AHC's `HTTP1ConnectionStateMachine`): events in, actions out,
/// no I/O, no clock of its own (every call is given the time). A thin service (`UplinkService`) runs the
/// actions and feeds their outcomes back, so every rule below is tested in milliseconds.
///
/// - The cursor is the next sequence to send: the hub's high water + 1 as far as this node knows, loaded
///   from the outbox at start. `sentThrough` bounds what an acknowledgement may claim (`AckCheck`).
/// - A batch of consecutive entries from the cursor goes out; while the hub applies it the next one is read
///   (`ReadAhead`), used only if it starts at the cursor the acknowledgement leaves. An acknowledgement with
///   nothing refused and nothing disbelieved is recorded while the next batch travels (awaited before that
///   batch's answer is acted on); any other is recorded before the uplink goes on.
/// - A gap answer (`expectedSeq`) rewinds the cursor; the outbox resends from there.
/// - A whole batch refused (400/413) is retried `refusedBatchAttempts` times, then halved; a single change
///   still refused is quarantined here, and the batch limit restored. A change held here (quarantined,
///   requeued, dropped) at the cursor is never sent: a skip mark (protocol 2) tells the hub to record the
///   refusal and move past it, so it does not pin the hub's high water (after a restart too).
/// - With nothing to send, a heartbeat every `heartbeatIntervalMs` (a local write wakes the uplink, which
///   lingers `lingerMs` for more). While attempts fail: backoff with jitter, and a status-only heartbeat when
///   one is due, so the hub sees the node's true data age.
/// - Acknowledged entries past the retention are pruned every `pruneIntervalMs`.
public struct UplinkMachine<Batch: Sendable>: Sendable {
    public struct Settings: Sendable, Hashable {
        public var maxBatchChanges: Int
        public var heartbeatIntervalMs: Int64
        public var lingerMs: Int64
        public var refusedBatchAttempts: Int
        public var retentionMs: Int64
        public var pruneIntervalMs: Int64
        public var backoff: Backoff

        public init(
            maxBatchChanges: Int, heartbeatIntervalMs: Int64, lingerMs: Int64, refusedBatchAttempts: Int,
            retentionMs: Int64, pruneIntervalMs: Int64 = 60_000, backoff: Backoff
        ) {
            self.maxBatchChanges = max(1, maxBatchChanges)
            self.heartbeatIntervalMs = heartbeatIntervalMs
            self.lingerMs = lingerMs
            self.refusedBatchAttempts = refusedBatchAttempts
            self.retentionMs = retentionMs
            self.pruneIntervalMs = pruneIntervalMs
            self.backoff = backoff
        }
    }

    /// A batch on its way to the hub.
    struct InFlight: Sendable, Hashable {
        var firstSeq: UInt64
        var lastSeq: UInt64?
        var count: Int
        /// A skip mark for `firstSeq` (no changes).
        var skip = false
    }

    /// What happens once an awaited acknowledgement record is written.
    enum AfterRecord: Sendable {
        case accepted(InFlight, highWater: UInt64, rejected: [SyncAck.Rejection], problem: String?,
            readAhead: OutboxRead<Batch>?)
        case skipTaken(InFlight, highWater: UInt64, problem: String?)
        case rewound(expectedSeq: UInt64)
        case reissued(ackThrough: UInt64, message: String)
        /// The deferred record flushed before a lower one is written; then `decide`.
        case deferred
        /// The deferred record flushed (best effort) before failing with this.
        case thenFail(UplinkFailure)
        /// The status heartbeat's rewind (best effort); then wait out the backoff.
        case statusRewind(expectedSeq: UInt64, retryMs: Int64)
    }

    enum Phase: Sendable {
        case loadingCursor
        case pruning
        case recording(AfterRecord)
        case reading
        case waitingForWork(lingering: Bool)
        case sending(InFlight)
        case quarantining(seq: UInt64, reason: String)
        case reissuing(UplinkReissue)
        case reportingStatus(retryMs: Int64)
        case backingOff
        case stopped
    }

    public let settings: Settings
    /// The next sequence to send; nil until loaded from the outbox.
    public internal(set) var cursor: UInt64?
    /// The highest sequence put in a batch to the hub since the start (or acknowledged before it).
    public internal(set) var sentThrough: UInt64 = 0
    /// Consecutive failed attempts (drives the backoff).
    public internal(set) var failures = 0
    /// Consecutive whole-batch refusals of the batch at the cursor.
    public internal(set) var refusals = 0
    /// The current batch size limit (halved while the hub refuses whole batches).
    public internal(set) var batchLimit: Int
    /// When the hub last answered (an acknowledgement believed, or a whole-batch refusal); nil: never.
    public internal(set) var lastContactMs: Int64?
    public internal(set) var lastPruneMs: Int64?
    /// The acknowledgement to record while the next batch travels.
    public internal(set) var deferredRecord: AckRecord?
    /// The next batch, read while the hub applied the previous one.
    var prepared: OutboxRead<Batch>?
    var phase: Phase = .loadingCursor
    var random: SplitMix64

    public init(settings: Settings, seed: UInt64) {
        self.settings = settings
        self.batchLimit = settings.maxBatchChanges
        self.random = SplitMix64(seed: seed)
    }

    /// The first actions.
    public mutating func start(nowMs: Int64) -> [UplinkAction<Batch>] { decide(nowMs: nowMs) }

    /// The service is stopping: the acknowledgement still to be recorded, if any (record it before exit).
    public mutating func stop() -> AckRecord? {
        phase = .stopped
        defer { deferredRecord = nil }
        return deferredRecord
    }

    /// The outcome of the last action; returns the next actions (reports, then one action to run).
    public mutating func handle(_ event: UplinkEvent<Batch>, nowMs: Int64) -> [UplinkAction<Batch>] {
        switch (phase, event) {
        case (.stopped, _):
            return []
        case (.loadingCursor, .cursorLoaded(let ackedThrough)):
            cursor = ackedThrough.saturatingAdd(1)
            sentThrough = max(sentThrough, ackedThrough)
            return decide(nowMs: nowMs)
        case (.pruning, .pruned):
            return decide(nowMs: nowMs)
        case (.recording(let after), .ackRecorded):
            return recorded(after, nowMs: nowMs)
        case (.recording(let after), .failed(let failure)):
            return recordFailed(after, failure, nowMs: nowMs)
        case (.reading, .read(let read)):
            return consider(read, recordFirst: nil, nowMs: nowMs)
        case (.waitingForWork(let lingering), .woke(let byWrite)):
            if !lingering, byWrite, settings.lingerMs > 0 {
                phase = .waitingForWork(lingering: true)
                return [.wait(ms: settings.lingerMs, wakeOnWrite: false)]
            }
            return decide(nowMs: nowMs)
        case (.sending(let batch), .answered(let answer, let readAhead)):
            return answered(batch, answer, readAhead: readAhead, nowMs: nowMs)
        case (.quarantining(let seq, let reason), .quarantined):
            batchLimit = settings.maxBatchChanges
            return [.report(.quarantined(seq: seq, reason: reason))] + decide(nowMs: nowMs)
        case (.reissuing(let reissue), .reissued(let ackThrough, let message)):
            return reissued(reissue, ackThrough: ackThrough, message: message)
        case (.reportingStatus(let retryMs), .statusAnswered(let ack)):
            return statusAnswered(ack, retryMs: retryMs, nowMs: nowMs)
        case (.reportingStatus(let retryMs), .failed):
            return backOff(retryMs)
        case (.backingOff, .woke):
            return decide(nowMs: nowMs)
        case (_, .failed(let failure)):
            return fail(failure, nowMs: nowMs)
        default:
            return fail(
                UplinkFailure(message: "uplink: an event out of order (\(phase.name)); starting over", reachable: true),
                nowMs: nowMs)
        }
    }

    /// What to do next, from the top: load the cursor, prune when due, send the batch read ahead if it starts
    /// at the cursor, else record the deferred acknowledgement and read from the cursor.
    mutating func decide(nowMs: Int64) -> [UplinkAction<Batch>] {
        guard let cursor else {
            phase = .loadingCursor
            return [.loadCursor]
        }
        if lastPruneMs.map({ nowMs.saturatingSubtract($0) >= settings.pruneIntervalMs }) ?? true {
            lastPruneMs = nowMs
            phase = .pruning
            return [.prune(ackedBeforeMs: nowMs.saturatingSubtract(settings.retentionMs))]
        }
        let ready = prepared.flatMap { $0.firstSeq == cursor && $0.count > 0 && $0.held == nil ? $0 : nil }
        prepared = nil
        if let ready {
            let record = deferredRecord
            deferredRecord = nil
            return consider(ready, recordFirst: record, nowMs: nowMs)
        }
        if let record = deferredRecord {  // a fresh read sees the last acknowledgement in its figures
            deferredRecord = nil
            phase = .recording(.deferred)
            return [.recordAck(record)]
        }
        phase = .reading
        return [.read(from: cursor, limit: batchLimit)]
    }

    /// A read from the cursor: wait for work, send a heartbeat, a skip mark or the batch.
    mutating func consider(_ read: OutboxRead<Batch>, recordFirst: AckRecord?, nowMs: Int64)
        -> [UplinkAction<Batch>]
    {
        if read.count == 0 {
            if let stored = read.storedFrom, stored > read.firstSeq {
                let why = "the hub expects seq \(read.firstSeq) but the outbox holds only from \(stored) (pruned)"
                return fail(UplinkFailure(message: YiwangError.unavailable(why).description, reachable: true), nowMs: nowMs)
            }
            let idleMs = lastContactMs.map { nowMs.saturatingSubtract($0) } ?? .max
            if idleMs < settings.heartbeatIntervalMs {
                phase = .waitingForWork(lingering: false)
                return [.wait(ms: settings.heartbeatIntervalMs - idleMs, wakeOnWrite: true)]
            }
            phase = .sending(InFlight(firstSeq: read.firstSeq, lastSeq: nil, count: 0))
            return [.send(read.batch, UplinkSending(recordFirst: recordFirst))]
        }
        if let reason = read.held {
            let seq = read.firstSeq
            sentThrough = max(sentThrough, seq)
            phase = .sending(InFlight(firstSeq: seq, lastSeq: seq, count: 0, skip: true))
            return [.sendSkipMark(seq: seq, SkipMark(reason: reason), figures: read.batch)]
        }
        let last = read.lastSeq ?? read.firstSeq
        sentThrough = max(sentThrough, last)  // it may arrive, answered or not
        var ahead: ReadAhead?
        if read.backlog > UInt64(read.count), last < UInt64.maxStored {
            ahead = ReadAhead(from: last + 1, limit: batchLimit, sent: read.count)
        }
        phase = .sending(InFlight(firstSeq: read.firstSeq, lastSeq: last, count: read.count))
        return [.send(read.batch, UplinkSending(recordFirst: recordFirst, readAhead: ahead))]
    }
}

extension UplinkMachine.Phase {
    var name: String {
        switch self {
        case .loadingCursor: "loading the cursor"
        case .pruning: "pruning"
        case .recording: "recording an acknowledgement"
        case .reading: "reading"
        case .waitingForWork: "waiting for work"
        case .sending: "sending"
        case .quarantining: "quarantining"
        case .reissuing: "re-issuing"
        case .reportingStatus: "reporting status"
        case .backingOff: "backing off"
        case .stopped: "stopped"
        }
    }
}
