import Foundation
import YiwangAPI
import YiwangCore
import YiwangStore
import YiwangTesting

/// `snapshot-bootstrap`: a new county pulls everything its hub holds, through the snapshot's pages then the
/// feed (the default), and, as the limit beside it, a second new county by replaying the same hub's whole feed
/// from 0 (its store told before start that the hub has no snapshot; the hub compacts nothing, so its feed is
/// whole). Real `yiwang-hub` and `yiwang-edge` daemons over HTTP; the hub's history is written into its store
/// in process beforehand (`HubStore.applySync`, the daemon's apply path). Measured twice on one hub: after
/// one version per record, then after the rest of the history (about 3 versions a record, some deleted).
enum SnapshotBootstrapScenario {
    static let name = "snapshot-bootstrap"
    static let writer = BenchDaemons.nodeID(1)

    /// Versions record `r` gets in the whole history: 1...5 (about 3 on average).
    static func versions(_ r: Int) -> Int { 1 + Int(SplitMix.next(UInt64(r) &+ 0x5EED) % 5) }

    /// Whether record `r`'s last version (of several) is a delete: about 1 record in 20 of those.
    static func endsDeleted(_ r: Int) -> Bool { versions(r) > 1 && r % 20 == 7 }

    static func run(_ context: BenchContext) async throws -> [BenchResult] {
        let records = context.sizes.snapshotRecords
        let full = records >= 1_000_000
        let hubDirectory = context.directory.file("hub-data")
        var history = History(records: records)
        try history.write(passes: 0..<1, directory: hubDirectory, logger: context)
        let single = try await measure(context, history: history, counties: (2, 3), label: "1 version")
        let maxPasses = (0..<records).map(versions).max() ?? 1
        try history.write(passes: 1..<maxPasses, directory: hubDirectory, logger: context)
        let deep = try await measure(context, history: history, counties: (4, 5), label: "history")
        let average = Double(history.changes) / Double(max(1, records))
        return [
            deep.result(
                context, "records/s bootstrapping \(Format.number(Double(records))) records, "
                    + String(format: "%.1f", average) + " versions each on average, \(history.deleted) deleted",
                target: ">= 3x feed replay", met: full ? deep.ratio >= 3 : nil),
            single.result(
                context, "records/s bootstrapping \(Format.number(Double(records))) records, 1 version each",
                target: "> 1x (reported: no history to skip)", met: full ? single.ratio > 1 : nil),
        ]
    }

    /// Both bootstraps of the hub as it stands: counties `counties.0` (feed replay) and `counties.1` (snapshot).
    private static func measure(
        _ context: BenchContext, history: History, counties: (Int, Int), label: String
    ) async throws -> Measured {
        let hubStore = try HubStore(directory: context.directory.file("hub-data"), logger: context.logger)
        let head = try await hubStore.feedHead()
        let hubDigests = try await digests { dataset in try await hubStore.digest(dataset: dataset) }
        try hubStore.close()
        let (hub, hubURL) = try await context.daemons.startHub(
            nodes: 5, extra: ["--journal-retention", "36500d", "--compaction-interval", "1d"])
        context.say("  \(label): \(history.changes) changes held, feed head \(head)")
        let feed: County
        let snapshot: County
        do {
            feed = try await bootstrap(context, hubURL: hubURL, hub: hub, county: counties.0, head: head, snapshot: false)
            snapshot = try await bootstrap(
                context, hubURL: hubURL, hub: hub, county: counties.1, head: head, snapshot: true)
        } catch {
            await hub.stop(SIGTERM)
            throw error
        }
        await hub.stop(SIGTERM)
        for county in [feed, snapshot] where county.digests != hubDigests {
            throw BenchHTTP.Failure(description: "\(label): county \(county.node) does not hold what the hub holds")
        }
        return Measured(records: history.records, changes: history.changes, feed: feed, snapshot: snapshot)
    }

    /// One new county's bootstrap: from the edge's start until its downlink cursor reaches `head` with no
    /// snapshot in progress. Then the county's digests, read from its file once stopped.
    private static func bootstrap(
        _ context: BenchContext, hubURL: String, hub: DaemonProcess, county: Int, head: Int64, snapshot: Bool
    ) async throws -> County {
        let node = BenchDaemons.nodeID(county)
        let name = "county-\(county)"
        let dataDirectory = context.directory.file("\(name)-data")
        if !snapshot {
            // What a node does when its hub answers 404 to `GET /v1/snapshot`: it pulls the feed from 0.
            try await EdgeStore(directory: dataDirectory, nodeID: node, logger: context.logger).skipSnapshot()
        }
        let hubCPU = ProcStatus.cpuSeconds(hub.pid)
        let started = ContinuousClock.now
        let (edge, edgeURL) = try await context.daemons.startEdge(hubURL: hubURL, name: name, node: node)
        let client = BenchHTTP()
        let deadline = ContinuousClock.now + .seconds(1800)
        while true {
            let status = try await client.json("\(edgeURL)/v1/status")
            let downlink = status["downlink"] as? [String: Any] ?? [:]
            let cursor = (downlink["cursor"] as? NSNumber)?.int64Value ?? 0
            if cursor >= head && !(downlink["snapshot"] is [String: Any]) { break }
            guard ContinuousClock.now < deadline else {
                await edge.stop(SIGKILL)
                throw BenchHTTP.Failure(description: "\(name) did not finish its bootstrap in 30 minutes")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let seconds = Seconds.since(started)
        let edgeCPU = ProcStatus.cpuSeconds(edge.pid)
        let hubCPUUsed = ProcStatus.cpuSeconds(hub.pid) - hubCPU
        let memory = ProcStatus.memoryMB(edge.pid)
        await edge.stop(SIGTERM)
        let store = try EdgeStore(directory: dataDirectory, nodeID: node, logger: context.logger)
        let held = try await digests { dataset in try await store.digest(dataset: dataset) }
        context.say(String(format: "  %@ (%@): %.2f s", name, snapshot ? "snapshot" : "feed replay", seconds))
        return County(
            node: node, seconds: seconds, edgeCPU: edgeCPU, hubCPU: hubCPUUsed, peakMB: memory.peak, digests: held)
    }

    private static func digests(_ read: (String) async throws -> DatasetDigest) async throws -> [DatasetDigest] {
        var all: [DatasetDigest] = []
        for dataset in BenchRows.datasets { all.append(try await read(dataset)) }
        return all
    }

    struct County {
        var node: String
        var seconds: Double
        var edgeCPU: Double
        var hubCPU: Double
        var peakMB: Double
        var digests: [DatasetDigest]
    }

    struct Measured {
        var records: Int
        var changes: Int
        var feed: County
        var snapshot: County

        /// How many times faster the snapshot bootstrap was.
        var ratio: Double { feed.seconds / max(1e-9, snapshot.seconds) }

        func result(_ context: BenchContext, _ metric: String, target: String, met: Bool?) -> BenchResult {
            let rate = { (seconds: Double) in Double(records) / max(1e-9, seconds) }
            return context.result(
                name, metric, rate(snapshot.seconds), "records/s", limit: rate(feed.seconds),
                limitLabel: "replaying the same feed from 0, same run", target: target, met: met,
                notes: String(
                    format: "%d records (%d changes in the feed): snapshot then feed %.2f s (edge CPU %.1f s, hub "
                        + "%.1f s, edge peak RSS %.0f MB), feed replay %.2f s (edge CPU %.1f s, hub %.1f s, peak "
                        + "%.0f MB), %.2fx; both counties' digests equal the hub's", records, changes,
                    snapshot.seconds, snapshot.edgeCPU, snapshot.hubCPU, snapshot.peakMB, feed.seconds, feed.edgeCPU,
                    feed.hubCPU, feed.peakMB, ratio))
        }
    }

    /// The hub's history: pass `g` writes every record with more than `g` versions, in key order, 1,000
    /// changes a batch from the writer county; a record's last pass is a delete when `endsDeleted`.
    struct History {
        let records: Int
        var seq: UInt64 = 0
        var changes = 0
        var deleted = 0

        init(records: Int) { self.records = records }

        mutating func write(passes: Range<Int>, directory: String, logger context: BenchContext) throws {
            let store = try HubStore(directory: directory, logger: context.logger)
            let policies = Dictionary(uniqueKeysWithValues: BenchRows.datasets.map { ($0, MergePolicy.lww) })
            let grants = Set(BenchRows.datasets)
            let baseMs = BenchRows.nowMs() - 3_600_000
            let started = ContinuousClock.now
            for pass in passes {
                var pending: [Version] = []
                func flush(_ pending: inout [Version], _ seq: inout UInt64) throws {
                    guard !pending.isEmpty else { return }
                    let nowMs = BenchRows.nowMs()
                    let batch = BenchRows.batch(node: writer, firstSeq: seq + 1, pending, clockMs: nowMs)
                    let outcome = try store.applySync(batch: batch, policies: policies, grants: grants, nowMs: nowMs)
                    guard outcome.ack.rejected.isEmpty else { throw BenchHTTP.Failure(description: "hub refused") }
                    seq += UInt64(pending.count)
                    pending.removeAll(keepingCapacity: true)
                }
                for r in 0..<records where versions(r) > pass {
                    let n = seq + UInt64(pending.count) + 1
                    var version = BenchRows.version(
                        r, node: writer, seq: n, hlcMs: baseMs + Int64(n / 1_000), generation: pass)
                    if pass == versions(r) - 1 && endsDeleted(r) {
                        version.operation = .delete
                        version.value = nil
                        deleted += 1
                    }
                    pending.append(version)
                    changes += 1
                    if pending.count == 1_000 { try flush(&pending, &seq) }
                }
                try flush(&pending, &seq)
            }
            try store.close()
            context.say(String(format: "  history passes %@ written in %.1f s", "\(passes)", Seconds.since(started)))
        }
    }
}
