import Logging
import Synchronization
import YiwangCore
import YiwangAPI
import YiwangStore

/// The node's upstreams (`hub`, in order of preference) and which one it uses now: one `UpstreamChoice`
/// behind a lock, shared by the uplink, the downlink, the grants and the return to the first choice
/// (`UpstreamReturnService`), so all of them talk to the same parent. Every answer and failure of any of them
/// is recorded here (`record`, `failed`); the rule decides, this object only keeps the state, what each
/// upstream last said (its id, its last error) for `GET /v1/status`, and logs each move.
public final class Upstreams: Sendable {
    /// What the node knows of one upstream.
    public struct Entry: Sendable, Hashable {
        public var url: String
        /// The id it named itself with in its last answer (`X-Yiwang-Upstream`); nil before one.
        public var id: String?
        /// Its last failure and when (node clock, ms); kept after it answers again, with `lastAnswerMs` later.
        public var lastError: String?
        public var lastErrorMs: Int64?
        public var lastAnswerMs: Int64?
    }

    public struct Snapshot: Sendable, Hashable {
        /// The index of the upstream in use.
        public var current: Int
        public var entries: [Entry]
        /// How long until the first choice is tried again; nil while it is in use.
        public var firstChoiceTryInMs: Int64?
    }

    private struct State {
        var choice: UpstreamChoice
        var entries: [Entry]
    }

    public let urls: [String]
    private let state: Mutex<State>
    /// Rung when the upstream in use changes: the downlink ends a long-poll held by the old one.
    public let changed = Doorbell()
    private let wallClock: any WallClock
    private let origin = ContinuousClock.now
    private let logger: Logger

    public init(urls: [String], retryFirstMs: Int64, wallClock: any WallClock, logger: Logger) {
        precondition(!urls.isEmpty, "a node has at least one upstream")
        self.urls = urls
        self.wallClock = wallClock
        self.logger = logger
        state = Mutex(
            State(
                choice: UpstreamChoice(count: urls.count, retryFirstMs: retryFirstMs),
                entries: urls.map { Entry(url: $0) }))
    }

    /// The upstream in use now: its index and base URL.
    public var current: (index: Int, url: String) {
        let index = state.withLock { $0.choice.current }
        return (index, urls[index])
    }

    /// The id upstream `index` last named itself with; nil before its first answer.
    public func id(of index: Int) -> String? {
        state.withLock { $0.entries.indices.contains(index) ? $0.entries[index].id : nil }
    }

    public var snapshot: Snapshot {
        let elapsed = elapsedMs()
        return state.withLock {
            Snapshot(
                current: $0.choice.current, entries: $0.entries,
                firstChoiceTryInMs: $0.choice.msUntilFirstChoiceTry(nowMs: elapsed))
        }
    }

    /// Records an HTTP answer of upstream `index`: a failure (`UpstreamAnswer.isFailure`, or an id that is
    /// not a valid node id) moves the node on; any other answer is the upstream serving it. Returns the id the
    /// answer names, or the failure's error.
    @discardableResult
    public func record(_ index: Int, status: Int, upstreamHeader: String?) -> Result<String, YiwangError> {
        guard !UpstreamAnswer.isFailure(status: status) else {
            let error = YiwangError.unavailable("the upstream answered HTTP \(status)")
            failed(index, error.description)
            return .failure(error)
        }
        switch UpstreamAnswer.id(header: upstreamHeader) {
        case .failure(let error):
            failed(index, "the upstream names itself with an invalid id: \(error.message)")
            return .failure(error)
        case .success(let id):
            answered(index, id: id)
            return .success(id)
        }
    }

    /// Upstream `index` answered, naming itself `id`.
    public func answered(_ index: Int, id: String) {
        let now = wallClock.nowMs()
        let elapsed = elapsedMs()
        let (moved, renamed) = state.withLock { state -> (Int?, String?) in
            guard state.entries.indices.contains(index) else { return (nil, nil) }
            let previous = state.entries[index].id
            state.entries[index].id = id
            state.entries[index].lastAnswerMs = now
            let renamed = previous.flatMap { Array($0.utf8) == Array(id.utf8) ? nil : $0 }
            return (state.choice.handle(.answered(upstream: index), nowMs: elapsed), renamed)
        }
        if let renamed {
            logger.warning(
                "upstream answers under another id than before",
                metadata: ["yiwang.upstream": .string(urls[index]), "yiwang.was": .string(renamed), "yiwang.id": .string(id)])
        }
        if let moved { announce(moved, reason: "answered") }
    }

    /// Upstream `index` could not serve a request (`message`: why, never a record value).
    public func failed(_ index: Int, _ message: String) {
        let now = wallClock.nowMs()
        let elapsed = elapsedMs()
        let moved = state.withLock { state -> Int? in
            guard state.entries.indices.contains(index) else { return nil }
            state.entries[index].lastError = message
            state.entries[index].lastErrorMs = now
            return state.choice.handle(.failed(upstream: index), nowMs: elapsed)
        }
        if let moved { announce(moved, reason: "the upstream in use failed: \(message)") }
    }

    /// Whether the first choice is due to be tried now (then the next try is an interval later).
    func takeFirstChoiceTry() -> Bool {
        let elapsed = elapsedMs()
        return state.withLock { $0.choice.takeFirstChoiceTry(nowMs: elapsed) }
    }

    /// How long until the first choice is due (0: now); nil while it is in use.
    func msUntilFirstChoiceTry() -> Int64? {
        let elapsed = elapsedMs()
        return state.withLock { $0.choice.msUntilFirstChoiceTry(nowMs: elapsed) }
    }

    private func announce(_ index: Int, reason: String) {
        logger.notice(
            index == 0 ? "back on the first upstream" : "moved to another upstream",
            metadata: [
                "yiwang.upstream": .string(urls[index]), "yiwang.upstream.index": .stringConvertible(index),
                "yiwang.reason": .string(reason),
            ])
        changed.ring()
    }

    private func elapsedMs() -> Int64 {
        // Time since this object was made: far below Int64's range in milliseconds.
        let (seconds, attoseconds) = (ContinuousClock.now - origin).components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

extension UpstreamsStatus {
    /// The status of the node's upstreams as `Upstreams` holds them, with the feed position kept for each id
    /// (`downlink`), ages measured at `nowMs`.
    init(_ snapshot: Upstreams.Snapshot, downlink: DownlinkSummary, nowMs: Int64) {
        func position(_ id: String?) -> Int64? {
            guard let id else { return nil }
            if let owner = downlink.upstream, Array(owner.utf8) == Array(id.utf8) { return downlink.cursor }
            return downlink.parked.first { Array($0.upstream.utf8) == Array(id.utf8) }?.cursor
        }
        func age(_ ms: Int64?) -> Int64? { ms.map { max(0, nowMs.saturatingSubtract($0)) } }
        self.init(
            inUse: snapshot.current, url: snapshot.entries[snapshot.current].url,
            firstChoiceTryInMs: snapshot.firstChoiceTryInMs,
            list: snapshot.entries.enumerated().map { index, entry in
                Upstream(
                    url: entry.url, id: entry.id, inUse: index == snapshot.current, feedPosition: position(entry.id),
                    lastError: entry.lastError, lastErrorAgeMs: age(entry.lastErrorMs),
                    lastAnswerAgeMs: age(entry.lastAnswerMs))
            })
    }
}
