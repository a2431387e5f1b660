import ServiceLifecycle
import YiwangAPI
import YiwangCore
import YiwangStore

extension ProvinceHub {
    /// The longest long-poll a node may ask for, in seconds.
    public static let maxFeedWaitSeconds = 30
    /// How often a long-poll checks the feed's head.
    static let feedPollMs: Int64 = 100

    /// One page of the change feed for `node` (which must be in the topology): the versions after `since`
    /// in the datasets the topology grants it, without those it originated. With `waitMs`, waits until a
    /// page has something for the node, or the time is up (the cursor still advances past what was skipped).
    public func changes(node: String, since: Int64, limit: Int, waitMs: Int64) async throws -> FeedPage {
        guard topology.node(node) != nil else { throw YiwangError.unknownNode(node) }
        let datasets = topology.grants(for: node)
        let deadline = ContinuousClock.now + .milliseconds(max(0, waitMs))
        try await store.recordPull(
            node: node, cursor: max(0, since), datasets: datasets, continues: since > 0, nowMs: clock.nowMs())
        var cursor = since
        var reset = false  // a reset stays a reset through the long-poll: the node's cursor moves back
        while true {
            var page = try await store.feedPage(node: node, since: cursor, datasets: datasets, limit: limit)
            reset = reset || page.reset
            page.reset = reset
            if !page.versions.isEmpty || page.more || !waiting(until: deadline) { return page }
            cursor = page.cursor
            // Nothing for this node yet: sleep until the head moves past what was scanned, or time is up
            // (or the hub is shutting down: a long-poll never holds up a graceful shutdown).
            while waiting(until: deadline), try await store.feedHead() <= cursor {
                try await Task.sleep(for: .milliseconds(Self.feedPollMs))
            }
        }
    }

    private func waiting(until deadline: ContinuousClock.Instant) -> Bool {
        ContinuousClock.now < deadline && !Task.isShuttingDownGracefully && !Task.isCancelled
    }
}

extension ProvinceHub {
    /// The report with each node's downlink position and lag filled in.
    func withDownlinks(_ report: ConnectivityReport) async throws -> ConnectivityReport {
        let (head, downlinks) = try await store.downlinks()
        var report = report
        for index in report.nodes.indices {
            report.nodes[index].fillDownlink(downlinks[report.nodes[index].id], head: head)
        }
        return report
    }

    /// One node's status with its downlink position and lag filled in.
    func withDownlinks(_ status: NodeStatus) async throws -> NodeStatus {
        let (head, downlinks) = try await store.downlinks()
        var status = status
        status.fillDownlink(downlinks[status.id], head: head)
        return status
    }
}

extension NodeStatus {
    mutating func fillDownlink(_ record: DownlinkRecord?, head: Int64) {
        guard let record else { return }
        downlinkCursor = record.cursor
        downlinkLag = max(0, head.saturatingSubtract(record.cursor))
        lastPullMs = record.lastPullMs
        snapshotPosition = record.snapshotPosition
        snapshotPages = record.snapshotPages
    }
}
