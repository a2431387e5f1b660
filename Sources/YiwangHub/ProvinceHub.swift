import Foundation
import Logging
import YiwangCore
import YiwangHTTP
import YiwangStore

/// The wall clock of the machine.
public struct SystemWallClock: WallClock {
    public init() {}
    public func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}

/// The hub's domain: the topology, the store, the clock and the metrics, and what the routes ask of them.
public struct ProvinceHub: Sendable {
    public let topology: Topology
    public let store: HubStore
    public let configuration: HubConfiguration
    public let clock: any WallClock
    public let metrics: HubMetrics
    public let logger: Logger
    /// Sync requests decoding or applying a batch at once; their bodies are read before, under `bodyBudget`.
    let syncGate = AdmissionGate(limit: ProvinceHub.concurrentBatches)
    /// The one audit budget for refusals of unproven senders.
    let refusals = UnprovenRefusals()
    /// The sync bodies arriving or applying at once, in bytes, and how long one may take to arrive.
    let bodyBudget: BodyBudget
    /// One batch applying, one or two decoding beside it: more only holds memory (the writer is single).
    static let concurrentBatches = 4
    /// The nodes a change's vector may count: the topology's, never the hub (issue 13, class 3).
    let claimScope: ClaimScope
    /// The protocol version of each node's batches, as last stored (`noteProtocol`).
    let knownProtocols = KnownProtocols()

    public init(
        topology: Topology, store: HubStore, configuration: HubConfiguration, clock: any WallClock = SystemWallClock(),
        metrics: HubMetrics = HubMetrics(), logger: Logger
    ) {
        self.topology = topology
        self.store = store
        self.configuration = configuration
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        self.claimScope = ClaimScope(hubID: topology.hub.id, nodes: Set(topology.nodes.map(\.id)))
        bodyBudget = BodyBudget(
            capacity: configuration.bodyBudgetBytes, timeout: .milliseconds(configuration.bodyReadTimeoutMs))
    }

    /// Decodes and applies a batch body from `claimedNode` (the `X-Yiwang-Node` header, if sent).
    /// Whole-batch errors are thrown (nothing applied) and counted against the node when it is known.
    public func sync(body: [UInt8], claimedNode: String?) async throws -> SyncAck {
        let started = ContinuousClock.now
        let limits = BatchCodec.Limits(maxRawBytes: max(configuration.maxBodyBytes * 8, 64 << 20))
        let batch: SyncBatch
        do {
            batch = try BatchCodec.decode(body, limits: limits)
        } catch {
            try await rejectBatch(node: claimedNode, error: error)
            throw error
        }
        // The sender is the authenticated node (on a trial hub without credentials, the batch's own word).
        let sender = claimedNode ?? batch.relay?.sender ?? batch.node
        do {
            try RelayRoute.check(batchNode: batch.node, sender: sender, relay: batch.relay, topology: topology)
        } catch {
            try await rejectBatch(node: sender, error: error)
            throw error
        }
        guard topology.node(batch.node) != nil else {
            try await rejectBatch(node: batch.node, error: .unknownNode(batch.node))
            throw YiwangError.unknownNode(batch.node)
        }
        let outcome = try await store.apply(
            batch: batch, policies: topology.policies, grants: topology.grants(for: batch.node), nowMs: clock.nowMs(),
            scope: claimScope)
        metrics.recordBatch(
            BatchOutcomeSummary(
                applied: outcome.applied, conflicts: outcome.conflicts, rejected: outcome.ack.rejected.count),
            duration: ContinuousClock.now - started)
        // A relayed batch's bytes are the relay's writing, not the node's: they prove nothing of its version.
        if batch.relay == nil { await noteProtocol(of: body, node: batch.node) }
        return outcome.ack
    }

    /// Counts a refused batch in the metrics, and against the node when it is in the topology; a batch from
    /// no node of the topology is an unproven sender's (`refuseUnproven`: no report field moves, audit bounded).
    func rejectBatch(node: String?, error: YiwangError) async throws {
        guard let node, topology.node(node) != nil else {
            try await refuseUnproven(claimed: node, error: error, auditAsBatch: true)
            return
        }
        metrics.recordRejectedBatch()
        try await store.recordRejectedBatch(node: node, error: error, nowMs: clock.nowMs())
    }

    /// The connectivity report for every node of the topology, now.
    public func report() async throws -> ConnectivityReport {
        let report = ConnectivityReport(
            topology: topology, stored: try await store.nodes(), thresholds: configuration.thresholds,
            nowMs: clock.nowMs())
        return try await withProtocols(withDownlinks(report))
    }

    /// One node's status; throws `notFound` for a node not in the topology.
    public func status(of id: String) async throws -> NodeStatus {
        guard let node = topology.node(id) else { throw YiwangError.notFound("node '\(id)'") }
        let status = NodeStatus(
            node: node, stored: try await store.node(id), thresholds: configuration.thresholds, nowMs: clock.nowMs(),
            hubID: topology.hub.id)
        return try await withProtocols(withDownlinks(status))
    }

    /// The Prometheus text, with the per-node and journal gauges refreshed first.
    public func metricsText() async throws -> String {
        metrics.refresh(from: try await report())
        metrics.recordJournal(
            try await store.journalStats(nowMs: clock.nowMs(), retentionMs: configuration.journalRetentionMs))
        return metrics.render()
    }
}
