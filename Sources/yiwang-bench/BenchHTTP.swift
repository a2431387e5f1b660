import Foundation
import YiwangCore
import YiwangHTTP

/// The few requests the scenarios make, over libcurl (one connection per client, kept open).
struct BenchHTTP: Sendable {
    let http: CurlHTTPClient

    init(totalTimeoutMs: Int = 120_000) {
        http = CurlHTTPClient(configuration: .init(connectTimeoutMs: 5_000, totalTimeoutMs: totalTimeoutMs))
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `POST /v1/records/{dataset}` with a JSON Lines body; throws unless 200.
    func bulk(_ edge: String, dataset: String, body: [UInt8]) async throws {
        let response = try await http.send(
            method: "POST", url: "\(edge)/v1/records/\(dataset)",
            headers: [("X-Actor", "bench"), ("Content-Type", "application/x-ndjson")], body: body)
        guard response.status == 200 else { throw Failure(description: "bulk: \(response.status) \(response.text)") }
    }

    /// `PUT /v1/records/{dataset}/{key}`; returns the status.
    func put(_ edge: String, dataset: String, key: String, value: String) async throws -> Int {
        try await http.send(
            method: "PUT", url: "\(edge)/v1/records/\(dataset)/\(key)",
            headers: [("X-Actor", "bench"), ("Content-Type", "application/json")], body: Array(value.utf8)
        ).status
    }

    /// `POST /v1/sync` of an encoded batch; returns the hub's acknowledged high-water mark.
    func sync(_ hub: String, node: String, body: [UInt8]) async throws -> UInt64 {
        let response = try await http.send(
            method: "POST", url: "\(hub)/v1/sync",
            headers: [("Content-Type", "application/x-yiwang-batch"), ("X-Yiwang-Node", node)], body: body)
        guard response.status == 200, let ack = try? JSONDecoder().decode(SyncAck.self, from: Data(response.body))
        else { throw Failure(description: "sync \(node): \(response.status) \(response.text.prefix(300))") }
        return ack.highWater
    }

    func json(_ url: String) async throws -> [String: Any] {
        let response = try await http.send(method: "GET", url: url)
        guard response.status == 200,
            let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        else { throw Failure(description: "GET \(url): \(response.status) \(response.text.prefix(300))") }
        return object
    }

    /// The status code and the time (ms) of one GET.
    func timedGet(_ url: String) async throws -> (Int, Double) {
        let started = ContinuousClock.now
        let response = try await http.send(method: "GET", url: url)
        return (response.status, Seconds.since(started) * 1000)
    }

    /// The hub's high-water mark for `node` (0 before its first batch).
    func hubHighWater(_ hub: String, node: String) async throws -> UInt64 {
        (try await json("\(hub)/v1/nodes/\(node)")["highWater"] as? NSNumber)?.uint64Value ?? 0
    }

    /// Waits until the hub holds `node`'s changes through `seq`; returns false on timeout.
    func waitHubHolds(_ hub: String, node: String, through seq: UInt64, timeout: Double) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while ContinuousClock.now < deadline {
            if (try? await hubHighWater(hub, node: node)) ?? 0 >= seq { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// The edge's outbox backlog (`GET /v1/status`).
    func edgeBacklog(_ edge: String) async throws -> Int {
        (try await json("\(edge)/v1/status")["backlog"] as? NSNumber)?.intValue ?? -1
    }
}
