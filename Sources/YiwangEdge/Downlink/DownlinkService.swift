import Logging
import ServiceLifecycle
import Synchronization
import YiwangCore
import YiwangHTTP
import YiwangStore

/// Pulls the hub's change feed (`GET /v1/changes`, long-polling) and applies each page in one transaction
/// through the shared merge path, moving the stored cursor in that same transaction: a crash never skips a
/// page nor applies one twice (and applying twice would be harmless). Received versions never enter the
/// outbox. Backs off with jitter while the hub cannot be reached; on SIGTERM it abandons the poll in flight.
public final class DownlinkService: Service, Sendable {
    /// How the downlink pulls.
    public struct Settings: Sendable, Hashable {
        /// How long the hub may hold a pull open when it has nothing new, in seconds (the hub caps it at 30).
        public var waitSeconds: Int = 10
        /// Most versions per page.
        public var pageLimit: Int = 1_000
        public init() {}
    }

    let nodeID: String
    let store: EdgeStore
    /// One transport per upstream, in the order of `upstreams` (one alone without it).
    let transports: [any DownlinkTransport]
    /// The node's upstreams; nil: the one transport, positions not kept per upstream (tests of the downlink).
    let upstreams: Upstreams?
    let settings: Settings
    let backoff: Backoff
    let logger: Logger
    /// The province's policies: no page is merged before they are known, nor one with a dataset they lack.
    /// nil: the store's policies as they stand (tests of the downlink alone).
    let grants: ProvinceGrants?
    let metrics = EdgeMetrics()
    /// Feed pages refused since start (a cursor moving back or past the head without the hub's reset).
    let refusedPages = Atomic<Int>(0)

    public convenience init(
        configuration: EdgeConfiguration, store: EdgeStore, transport: any DownlinkTransport,
        settings: Settings = Settings(), grants: ProvinceGrants? = nil, logger: Logger
    ) {
        self.init(
            configuration: configuration, store: store, upstreams: nil, transports: [transport], settings: settings,
            grants: grants, logger: logger)
    }

    /// The downlink over the node's upstreams: `transports[i]` reaches `upstreams.urls[i]`.
    public init(
        configuration: EdgeConfiguration, store: EdgeStore, upstreams: Upstreams?, transports: [any DownlinkTransport],
        settings: Settings = Settings(), grants: ProvinceGrants? = nil, logger: Logger
    ) {
        precondition(!transports.isEmpty && (upstreams == nil || upstreams?.urls.count == transports.count))
        self.nodeID = configuration.nodeID
        self.grants = grants
        self.store = store
        self.transports = transports
        self.upstreams = upstreams
        self.settings = settings
        self.backoff = Backoff(baseMs: configuration.uplink.backoffBaseMs, capMs: configuration.uplink.backoffCapMs)
        var logger = logger
        logger[metadataKey: "yiwang.node"] = .string(configuration.nodeID)
        self.logger = logger
    }

    /// The hub's feed URL for a node whose hub base URL is `hubURL`.
    public static func changesURL(hubURL: String) -> String { UpstreamURL.endpoint(hubURL, "/v1/changes") }

    public func run() async throws {
        logger.info("downlink started")
        var failures = 0
        var more = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            guard await policiesKnown() else { continue }
            do {
                guard let hasMore = try await pullOnce(wait: !more) else { break }  // shutting down
                more = hasMore
                failures = 0
            } catch {
                failures += 1
                more = false
                let message = (error as? YiwangError)?.description ?? "\(error)"
                try? await store.recordDownlinkError(message)
                let delay = backoff.delayMs(attempt: failures - 1)
                logger.warning(
                    "downlink pull failed",
                    metadata: ["yiwang.error": .string(message), "yiwang.retry_ms": .stringConvertible(delay)])
                try? await gracefulSleep(ms: delay)
            }
        }
        logger.info("downlink stopped")
    }

    /// Whether the province's policies are known; if not, waits (a second, or until they arrive) and says no:
    /// merging the feed with a policy the province did not give could pick another winner than the hub.
    private func policiesKnown() async -> Bool {
        guard let grants, !grants.plan.policiesConfirmed else { return true }
        logger.debug("downlink waits for the province's grants")
        let bell = grants.confirmedBell
        _ = await cancelWhenGracefulShutdown { () async -> Bool in await bell.wait(timeoutMs: 1_000) }
        return grants.plan.policiesConfirmed
    }

    /// The datasets of `versions` the province's grants give no policy for (empty without `grants`).
    func withoutPolicy(_ versions: [Version]) -> [String] {
        guard let plan = grants?.plan else { return [] }
        return Set(versions.map(\.dataset)).filter { plan.policy(for: $0) == nil }.sorted()
    }

    /// One pull and its application; returns whether the hub has more, or nil when shutting down. At cursor 0
    /// with no snapshot finished since the last resync, the pull is a snapshot page (`snapshotStep`).
    func pullOnce(wait: Bool) async throws -> Bool? {
        guard let target = try await selectUpstream() else {
            return Task.isShuttingDownGracefully || Task.isCancelled ? nil : true  // else: restarted, pull again
        }
        if try await store.needsSnapshot() {
            switch try await snapshotStep(from: target) {
            case .pulled: return true
            case .shutdown: return nil
            case .unsupported: break  // an older hub: this same pull goes to its feed from 0
            }
        }
        let since = try await store.downlinkCursor()
        guard let response = try await fetch(since: since, wait: wait ? settings.waitSeconds : 0, from: target)
        else { return nil }
        guard response.cursor != nil || !response.body.isEmpty || response.status != 200 else { return true }  // restarted
        guard try accept(status: response.status, upstreamHeader: response.upstreamHeader, from: target) else {
            return true
        }
        if response.status == 410 {
            // The hub compacted its feed past this node's cursor: only a snapshot brings it up to date.
            logger.notice(
                "the hub's feed no longer holds this node's cursor: bootstrapping from a snapshot",
                metadata: ["yiwang.since": .stringConvertible(since)])
            try await store.restartSnapshot()
            return true
        }
        guard response.status == 200 else {
            let reason = UplinkService.reason(status: response.status, body: response.body)
            throw YiwangError.unavailable("the hub answered \(response.status) to a pull: \(reason)")
        }
        guard let cursor = response.cursor else {
            throw YiwangError.transport("the hub's feed answer has no X-Yiwang-Cursor header")
        }
        if let problem = FeedCursorCheck.problem(since: since, response: response) {
            refusedPages.wrappingAdd(1, ordering: .relaxed)
            metrics.pagesRefused.increment()
            logger.error("hub feed page refused", metadata: ["yiwang.error": .string(problem)])
            throw YiwangError(code: .invalidField, field: "X-Yiwang-Cursor", message: problem)
        }
        if response.reset {
            logger.notice(
                "hub reset the feed: pulling again from its start",
                metadata: ["yiwang.since": .stringConvertible(since), "yiwang.cursor": .stringConvertible(cursor)])
        }
        let versions = try VersionListCodec.decode(response.body)
        let unknown = withoutPolicy(versions)
        guard unknown.isEmpty else {
            // Not merged with a guessed policy: the grants are fetched again, and the page pulled again after.
            grants?.refreshBell.ring()
            throw YiwangError(
                code: .unknownDataset, field: "dataset",
                message: "the hub's feed carries dataset(s) [\(unknown.joined(separator: ", "))] that its grants for "
                    + "this node give no policy; asking for the grants again")
        }
        guard
            let applied = try await store.applyDownlink(
                versions, from: since, to: cursor, head: response.head ?? cursor, upstream: target.id)
        else {
            logger.notice("downlink cursor moved during a pull (resync); pulling again")
            return true
        }
        if applied.refused > 0 {
            logger.warning(
                "downlink versions refused: they count this node beyond its own outbox",
                metadata: ["yiwang.cursor": .stringConvertible(cursor), "yiwang.refused": .stringConvertible(applied.refused)])
        }
        if !versions.isEmpty {
            logger.debug(
                "downlink page applied",
                metadata: [
                    "yiwang.cursor": .stringConvertible(cursor), "yiwang.applied": .stringConvertible(applied.applied),
                    "yiwang.conflicts": .stringConvertible(applied.conflicts),
                ])
        }
        return response.more
    }

    /// One page of the hub's snapshot, applied in one transaction with the progress (so a kill resumes at the
    /// next page); the last page sets the cursor to the snapshot's position. An older hub (a 404 whose body is
    /// its router's "no such route", `SnapshotResponse.isNoRoute`) has no snapshot: the node pulls its feed
    /// from 0. Any other 404 or error is thrown: the run loop retries it with backoff and the status shows it,
    /// the snapshot still to do. A refused position (400, 410: a restored or compacted hub) starts the snapshot
    /// again.
    func snapshotStep(from target: UpstreamTarget = .only) async throws -> SnapshotStep {
        let progress = try await store.snapshotProgress()
        guard let response = try await fetchSnapshot(progress, from: target) else { return .shutdown }
        guard try accept(status: response.status, upstreamHeader: response.upstreamHeader, from: target) else {
            return .pulled
        }
        switch response.status {
        case 200: break
        case 404 where response.isNoRoute:
            logger.notice("the hub serves no snapshot (an older hub): pulling its feed from the start")
            try await store.skipSnapshot()
            return .unsupported
        case 400 where progress != nil, 410 where progress != nil:
            logger.notice(
                "the hub refused the snapshot's position: starting the snapshot again",
                metadata: [
                    "yiwang.position": .stringConvertible(progress?.position ?? 0),
                    "yiwang.status": .stringConvertible(response.status),
                ])
            try await store.restartSnapshot()
            return .pulled
        default:
            let reason = UplinkService.reason(status: response.status, body: response.body)
            throw YiwangError.unavailable("the hub answered \(response.status) to a snapshot page: \(reason)")
        }
        let page = try SnapshotCodec.decode(response.body)
        if let problem = SnapshotPageCheck.problem(page, progress: progress) {
            refusedPages.wrappingAdd(1, ordering: .relaxed)
            metrics.pagesRefused.increment()
            logger.error("hub snapshot page refused", metadata: ["yiwang.error": .string(problem)])
            throw YiwangError(code: .invalidField, field: "snapshot", message: problem)
        }
        let unknown = withoutPolicy(page.entries.flatMap(\.state.visible))
        guard unknown.isEmpty else {
            grants?.refreshBell.ring()
            throw YiwangError(
                code: .unknownDataset, field: "dataset",
                message: "the hub's snapshot carries dataset(s) [\(unknown.joined(separator: ", "))] that its grants "
                    + "for this node give no policy; asking for the grants again")
        }
        guard let applied = try await store.applySnapshotPage(page, expected: progress, upstream: target.id)
        else {
            logger.notice("snapshot progress moved during a page (resync); pulling again")
            return .pulled
        }
        if applied.refused > 0 {
            logger.warning(
                "snapshot records refused: they count this node beyond its own outbox",
                metadata: ["yiwang.refused": .stringConvertible(applied.refused)])
        }
        if progress == nil {
            logger.info("snapshot started", metadata: ["yiwang.position": .stringConvertible(page.position)])
        }
        if applied.finished {
            logger.info(
                "snapshot applied: pulling the feed from its position",
                metadata: [
                    "yiwang.position": .stringConvertible(page.position),
                    "yiwang.records": .stringConvertible((progress?.records ?? 0).saturatingAdd(Int64(page.entries.count))),
                ])
        }
        return .pulled
    }

    /// What one snapshot step did.
    enum SnapshotStep {
        /// A page was applied (or the snapshot restarted): pull again at once.
        case pulled
        /// The hub has no snapshot route (an older hub's 404): the feed from 0 instead.
        case unsupported
        case shutdown
    }

    /// One snapshot page, abandoned (nil) if a graceful shutdown starts meanwhile.
    private func fetchSnapshot(_ progress: SnapshotProgress?, from target: UpstreamTarget)
        async throws(YiwangError) -> SnapshotResponse?
    {
        let transport = transports[target.index]
        let once = ResumeOnce()
        let outcome = await withGracefulShutdownHandler {
            await withCheckedContinuation { continuation in
                once.install(continuation)
                transport.fetchSnapshot(
                    node: nodeID, position: progress?.position, after: progress?.next, limit: settings.pageLimit
                ) { once.resume(.snapshot($0)) }
            }
        } onGracefulShutdown: {
            once.resume(.shutdown)
        }
        switch outcome {
        case .snapshot(let result): return try noteFailure(of: target, result)
        case .answer, .restart, .shutdown: return nil
        }
    }

    /// The pull, abandoned (nil) if a graceful shutdown starts while the hub holds it open, or restarted
    /// (an empty answer at the old cursor, which the cursor check then discards) when a resync rings.
    func fetch(since: Int64, wait: Int, from target: UpstreamTarget, limit: Int? = nil)
        async throws(YiwangError) -> FeedResponse?
    {
        let limit = limit ?? settings.pageLimit
        let transport = transports[target.index]
        let once = ResumeOnce()
        let bell = store.downlinkBell
        let moved = upstreams?.changed
        let outcome = await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    if await bell.wait(timeoutMs: Int64(wait + 60) * 1000) { once.resume(.restart) }
                }
                if let moved {  // the node moved to another upstream: this one's poll is no longer wanted
                    group.addTask { if await moved.wait(timeoutMs: Int64(wait + 60) * 1000) { once.resume(.restart) } }
                }
                let outcome = await withCheckedContinuation { continuation in
                    once.install(continuation)
                    transport.fetchChanges(node: nodeID, since: since, limit: limit, waitSeconds: wait) {
                        once.resume(.answer($0))
                    }
                }
                group.cancelAll()
                return outcome
            }
        } onGracefulShutdown: {
            once.resume(.shutdown)
        }
        switch outcome {
        case .answer(let result): return try noteFailure(of: target, result)
        case .restart: return FeedResponse(status: 200, body: [], cursor: nil, more: true, head: nil)
        case .shutdown, .snapshot: return nil
        }
    }

    private func gracefulSleep(ms: Int64) async throws {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(ms)) }
    }
}

/// Resumes a continuation exactly once, whichever comes first: the answer or the shutdown (which may even
/// come before the continuation exists).
private final class ResumeOnce: Sendable {
    enum Value: Sendable {
        case answer(Result<FeedResponse, YiwangError>)
        case snapshot(Result<SnapshotResponse, YiwangError>)
        case restart
        case shutdown
    }
    private enum State {
        case waiting
        case installed(CheckedContinuation<Value, Never>)
        case early(Value)
        case done
    }

    private let state = Mutex(State.waiting)

    func install(_ continuation: CheckedContinuation<Value, Never>) {
        let early = state.withLock { state -> [Value] in
            if case .early(let value) = state {
                state = .done
                return [value]
            }
            state = .installed(continuation)
            return []
        }
        if let value = early.first { continuation.resume(returning: value) }
    }

    func resume(_ value: Value) {
        let continuation = state.withLock { state -> CheckedContinuation<Value, Never>? in
            switch state {
            case .waiting:
                state = .early(value)
                return nil
            case .installed(let continuation):
                state = .done
                return continuation
            case .early, .done:
                return nil
            }
        }
        continuation?.resume(returning: value)
    }
}

/// What a node believes of a feed answer's position (issue 13, class 3): the cursor never moves backwards
/// nor past the head, unless the hub says it served from its start (`X-Yiwang-Reset: 1`).
enum FeedCursorCheck {
    /// nil when the page may be applied; else why not (numbers only, never record values).
    static func problem(since: Int64, response: FeedResponse) -> String? {
        guard let cursor = response.cursor else { return "the answer has no cursor" }
        guard cursor >= 0 else { return "the hub's cursor \(cursor) is negative" }
        if let head = response.head {
            guard head >= 0 else { return "the hub's head \(head) is negative" }
            guard cursor <= head else { return "the hub's cursor \(cursor) is past its head \(head)" }
        }
        if cursor < since && !response.reset {
            return "the hub's cursor moved back from \(since) to \(cursor) without a reset"
        }
        return nil
    }
}

/// What a node believes of a snapshot page: it belongs to the snapshot in progress (same position) and starts
/// after that snapshot's last page (the codec has checked the order within the page).
enum SnapshotPageCheck {
    /// nil when the page may be applied; else why not (numbers only, never record values).
    static func problem(_ page: SnapshotPage, progress: SnapshotProgress?) -> String? {
        guard let progress else { return nil }
        guard page.position == progress.position else {
            return "the hub's snapshot page is at position \(page.position), the snapshot in progress at \(progress.position)"
        }
        if let first = page.entries.first, !progress.next.precedes(dataset: first.dataset, key: first.key) {
            return "the hub's snapshot page does not start after the previous page's last record"
        }
        return nil
    }
}
