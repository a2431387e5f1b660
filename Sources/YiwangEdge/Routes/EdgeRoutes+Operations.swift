import Foundation
import Hummingbird
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

    func digest(_ context: EdgeRequestContext) throws -> Response {
        let dataset = try dataset(context)
        let digest = try store.digest(dataset: dataset)
        return .json(DigestAnswer(dataset: dataset, digest: digest.hex, records: digest.records))
    }

    func statusResponse() throws -> Response {
        let summary = try store.summary()
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
            downlink: DownlinkStatus(try store.downlinkSummary(), nowMs: now))
        status.oldestQuarantinedAgeMs = summary.oldestQuarantinedMs.map { max(0, now.saturatingSubtract($0)) }
        status.clock = clockNote
        status.grants = GrantsStatus(grants, nowMs: now)
        return .json(status)
    }

    func quarantineList() throws -> Response {
        let entries = try store.quarantined()
        let items = entries.map { entry in
            RecordJSON.version(
                entry.change.version,
                extra: [
                    ("seq", "\(entry.seq)"), ("reason", RecordJSON.quoted(entry.reason ?? "")),
                    ("committedAtMs", "\(entry.committedAtMs)"),
                ])
        }
        return .rawJSON("{\"quarantined\":[" + items.joined(separator: ",") + "]}")
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

struct BulkAnswer: Codable, Sendable {
    var dataset: String
    var lines: Int
    var puts: Int
    var deletes: Int
    var unchanged: Int
    var firstSeq: UInt64?
    var lastSeq: UInt64?
}

struct DigestAnswer: Codable, Sendable {
    var dataset: String
    var digest: String
    var records: Int
}

struct RequeueAnswer: Codable, Sendable {
    var seq: UInt64
    var newSeq: UInt64
}

/// `GET /v1/status`. Every key is always present (null when unknown).
struct EdgeStatus: Encodable, Sendable {
    var nodeId: String
    var datasets: [String]
    var backlog: UInt64
    var oldestPendingMs: Int64?
    var oldestPendingAgeMs: Int64?
    var lastSyncMs: Int64?
    var hubReachable: Bool?
    var lastError: String?
    var quarantined: UInt64
    var highestSeq: UInt64
    var ackedThrough: UInt64
    var hubClockOffsetMs: Int64?
    /// The downlink from the hub: cursor, lag and last pull (see `DownlinkStatus`).
    var downlink: DownlinkStatus? = nil
    /// Age of the oldest change the hub refused (quarantined here; the hub lacks it); nil if none.
    var oldestQuarantinedAgeMs: Int64? = nil
    /// What is wrong with the local clock ("clock 2h ahead of the hub ..."), nil while it is right.
    var clock: String? = nil
    /// Where `datasets` and the merge policies come from (see `GrantsStatus`).
    var grants: GrantsStatus? = nil

    enum CodingKeys: String, CodingKey {
        case nodeId, datasets, backlog, oldestPendingMs, oldestPendingAgeMs, lastSyncMs, hubReachable, lastError
        case quarantined, highestSeq, ackedThrough, hubClockOffsetMs, downlink, oldestQuarantinedAgeMs, clock
        case grants
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(nodeId, forKey: .nodeId)
        try c.encode(datasets, forKey: .datasets)
        try c.encode(backlog, forKey: .backlog)
        try c.encode(oldestPendingMs, forKey: .oldestPendingMs)
        try c.encode(oldestPendingAgeMs, forKey: .oldestPendingAgeMs)
        try c.encode(lastSyncMs, forKey: .lastSyncMs)
        try c.encode(hubReachable, forKey: .hubReachable)
        try c.encode(lastError, forKey: .lastError)
        try c.encode(quarantined, forKey: .quarantined)
        try c.encode(highestSeq, forKey: .highestSeq)
        try c.encode(ackedThrough, forKey: .ackedThrough)
        try c.encode(hubClockOffsetMs, forKey: .hubClockOffsetMs)
        try c.encode(downlink, forKey: .downlink)
        try c.encode(oldestQuarantinedAgeMs, forKey: .oldestQuarantinedAgeMs)
        try c.encode(clock, forKey: .clock)
        try c.encode(grants, forKey: .grants)
    }
}
