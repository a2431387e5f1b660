import Foundation
import Hummingbird
import YiwangAPI
import YiwangCore
import YiwangHTTP
import YiwangStore

extension EdgeRoutes {
    /// `POST /v1/records/{dataset}`: JSON Lines, all-or-nothing. Answers
    /// `{"dataset","lines","puts","deletes","unchanged","firstSeq","lastSeq"}`.
    func bulk(_ request: Request, _ context: EdgeRequestContext) async throws -> Response {
        let dataset = try dataset(context)
        let actor = try actor(request)
        // Streamed: lines are checked as they arrive and spooled to disk, never the whole body in memory.
        let importer = BulkImport(
            dataset: dataset, actor: actor, maxBodyBytes: configuration.maxBulkBytes,
            maxValueBytes: configuration.maxValueBytes)
        let spool = try await importer.spool(request.body, directory: configuration.dataDirectory)
        let summary = try await store.importAll(spool)
        metrics.writes.increment(by: Int64(summary.puts + summary.deletes))
        let answer = BulkAnswer(
            dataset: dataset, lines: summary.lines, puts: summary.puts, deletes: summary.deletes,
            unchanged: summary.unchanged, firstSeq: summary.firstSeq, lastSeq: summary.lastSeq)
        return .json(answer)
    }

    func digest(_ context: EdgeRequestContext) async throws -> Response {
        let dataset = try dataset(context)
        let digest = try await store.digest(dataset: dataset)
        return .json(DigestBody(dataset: dataset, digest: digest))
    }

    func statusResponse() async throws -> Response {
        let summary = try await store.summary()
        let uplink = status.snapshot
        let now = store.nowMs()  // the hub's time, as the commit times are
        let clockNote = store.referenceClock?.skewMs.flatMap { ClockReference.skewDescription($0) }
        let grants = self.grants.snapshot
        var status = EdgeStatus(
            nodeId: store.nodeID, datasets: grants.plan.datasets, backlog: summary.backlog,
            oldestPendingMs: summary.oldestPendingMs,
            oldestPendingAgeMs: summary.oldestPendingMs.map { max(0, now.saturatingSubtract($0)) },
            lastSyncMs: uplink.lastContactMs ?? summary.lastSyncMs, hubReachable: uplink.hubReachable,
            lastError: uplink.lastError ?? summary.lastError ?? clockNote, quarantined: summary.quarantined,
            highestSeq: summary.highestSeq, ackedThrough: summary.ackedThrough,
            hubClockOffsetMs: uplink.hubClockOffsetMs,
            downlink: DownlinkStatus(try await store.downlinkSummary(), nowMs: now))
        status.oldestQuarantinedAgeMs = summary.oldestQuarantinedMs.map { max(0, now.saturatingSubtract($0)) }
        status.clock = clockNote
        status.grants = GrantsStatus(grants, nowMs: now)
        status.heldThrough = summary.heldThrough
        if let relay { status.relay = try await relayStatus(relay) }
        return .json(status)
    }

    /// The relayed origins, their positions and backlogs, and where the county credentials stand.
    func relayStatus(_ relay: RelayCounties) async throws -> RelayStatus {
        let origins = try await store.relayFigures().map {
            RelayStatus.Origin(
                origin: $0.origin, highWater: $0.position.highWater, heldThrough: $0.position.heldThrough,
                backlog: $0.backlog, lastReceivedMs: $0.lastReceivedMs)
        }
        return RelayStatus(
            subtreeNodes: relay.subtree?.nodes.count, subtreeReceivedMs: relay.receivedAtMs, lastError: relay.error,
            origins: origins)
    }

    func quarantineList() async throws -> Response {
        let entries = try await store.quarantined()
        return .rawJSON(
            QuarantineBody.json(
                entries.map {
                    (version: $0.change.version, seq: $0.seq, reason: $0.reason, committedAtMs: $0.committedAtMs)
                }))
    }

    func requeue(_ context: EdgeRequestContext) async throws -> Response {
        guard let text = context.parameters.get("seq"), let seq = UInt64(text), (1...UInt64.maxStored).contains(seq)
        else {
            throw YiwangError.invalidField("seq", "seq must be an integer in 1...\(UInt64.maxStored)")
        }
        let newSeq = try await store.requeue(seq: seq)
        return .json(RequeueAnswer(seq: seq, newSeq: newSeq))
    }
}
