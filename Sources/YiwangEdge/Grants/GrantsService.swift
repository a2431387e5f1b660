import Logging
import ServiceLifecycle
import YiwangCore
import YiwangStore

/// Learns the node's grants from the hub (`GET /v1/grants`): at start, then every `refreshMs` (and at once
/// when the downlink meets a dataset the grants do not list). Each valid answer is stored in the node's
/// database, then becomes the node's `DatasetPlan`; a failed fetch keeps the plan it had (the stored copy
/// across restarts) and retries with capped backoff.
public final class GrantsService: Service, Sendable {
    let nodeID: String
    let grants: ProvinceGrants
    let transport: any GrantsTransport
    let refreshMs: Int64
    let backoff: Backoff
    let logger: Logger
    /// A relaying city's counties: fetched with the grants, on the same loop.
    let relay: RelayCounties?

    public init(
        configuration: EdgeConfiguration, grants: ProvinceGrants, transport: any GrantsTransport,
        relay: RelayCounties? = nil, logger: Logger
    ) {
        nodeID = configuration.nodeID
        self.relay = relay
        self.grants = grants
        self.transport = transport
        refreshMs = configuration.grantsRefreshMs
        backoff = Backoff(baseMs: configuration.uplink.backoffBaseMs, capMs: configuration.uplink.backoffCapMs)
        self.logger = logger
    }

    public func run() async throws {
        var failures = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let waitMs: Int64
            do {
                try await refreshOnce()
                failures = 0
                waitMs = refreshMs
            } catch {
                failures += 1
                waitMs = min(backoff.delayMs(attempt: failures - 1), refreshMs)
                logger.warning(
                    "province grants not fetched",
                    metadata: [
                        "yiwang.error": .string(error.description), "yiwang.retry_ms": .stringConvertible(waitMs),
                        "yiwang.basis": .string(grants.plan.basis.rawValue),
                    ])
            }
            let bell = grants.refreshBell
            _ = await cancelWhenGracefulShutdown { () async -> Bool in await bell.wait(timeoutMs: waitMs) }
        }
    }

    /// One fetch: the answer checked, stored, then adopted (a store that cannot keep it is logged; the
    /// answer is still used for this run). A failure is kept for `GET /v1/status` and changes nothing else.
    func refreshOnce() async throws(YiwangError) {
        let received: NodeGrants
        do {
            let answer = try await transport.fetchGrants(node: nodeID)
            received = try GrantsAnswer.decode(status: answer.status, body: answer.body, node: nodeID)
        } catch {
            grants.failed(error.description)
            throw error
        }
        let now = grants.store.nowMs()
        do {
            try await grants.store.storeGrants(received, receivedAtMs: now)
        } catch {
            logger.error("province grants not stored", metadata: ["yiwang.error": .string(error.description)])
        }
        grants.adopt(received, atMs: now)
        if let relay { await refreshSubtree(relay) }
    }

    /// A relaying city: its counties' credentials, checked, stored (so it keeps authenticating them while cut
    /// off), then used. A failure keeps the subtree it had and is logged; the grants stand.
    func refreshSubtree(_ relay: RelayCounties) async {
        do {
            let answer = try await transport.fetchRelaySubtree(node: nodeID)
            let subtree = try RelaySubtreeAnswer.decode(status: answer.status, body: answer.body, node: nodeID)
            let now = grants.store.nowMs()
            try await grants.store.storeRelaySubtree(subtree, receivedAtMs: now)
            relay.adopt(subtree, atMs: now)
        } catch {
            relay.failed(error.description)
            logger.warning("relay subtree not fetched", metadata: ["yiwang.error": .string(error.description)])
        }
    }
}
