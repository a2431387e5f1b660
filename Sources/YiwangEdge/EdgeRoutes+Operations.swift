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
        let text = try await body(request, limit: configuration.maxBulkBytes, field: "body")
        var writes: [LocalWrite] = []
        var number = 0
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let parsed = try BulkLine.parse(
                Substring(line).utf8, number: number, maxValueBytes: configuration.maxValueBytes)
            writes.append(
                LocalWrite(
                    dataset: dataset, key: parsed.key, actor: actor, operation: parsed.value == nil ? .delete : .put,
                    value: parsed.value))
        }
        guard !writes.isEmpty else { throw YiwangError.invalidField("body", "no lines to import") }
        let versions = try await store.apply(writes)
        let written = versions.compactMap { $0 }
        metrics.writes.increment(by: Int64(written.count))
        let puts = written.filter { $0.operation == .put }.count
        let seqs = written.map { $0.vector.counter(for: store.nodeID) }
        let answer = BulkAnswer(
            dataset: dataset, lines: writes.count, puts: puts, deletes: written.count - puts,
            unchanged: versions.count - written.count, firstSeq: seqs.first, lastSeq: seqs.last)
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
        let now = EdgeWallClock().nowMs()
        return .json(
            EdgeStatus(
                nodeId: store.nodeID, datasets: configuration.datasets, backlog: summary.backlog,
                oldestPendingMs: summary.oldestPendingMs,
                oldestPendingAgeMs: summary.oldestPendingMs.map { max(0, now - $0) },
                lastSyncMs: uplink.lastContactMs ?? summary.lastSyncMs, hubReachable: uplink.hubReachable,
                lastError: uplink.lastError ?? summary.lastError, quarantined: summary.quarantined,
                highestSeq: summary.highestSeq, ackedThrough: summary.ackedThrough,
                hubClockOffsetMs: uplink.hubClockOffsetMs,
                downlink: DownlinkStatus(try store.downlinkSummary(), nowMs: now)))
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
        guard let text = context.parameters.get("seq"), let seq = UInt64(text) else {
            throw YiwangError.invalidField("seq", "seq must be a positive integer")
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

    enum CodingKeys: String, CodingKey {
        case nodeId, datasets, backlog, oldestPendingMs, oldestPendingAgeMs, lastSyncMs, hubReachable, lastError
        case quarantined, highestSeq, ackedThrough, hubClockOffsetMs, downlink
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
    }
}
