import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import YiwangCore
import YiwangHTTP
import YiwangStore

/// The hub's HTTP API (DESIGN.md "Hub HTTP API"). Errors are thrown as `YiwangError` and rendered as JSON by
/// `YiwangErrorMiddleware`.
public enum HubRoutes {
    /// The media type of `POST /v1/sync` bodies (`BatchCodec`).
    public static let batchContentType = "application/x-yiwang-batch"
    /// The header naming the sending node, so a batch refused before decoding is still counted against it.
    public static let nodeHeader = HTTPField.Name("X-Yiwang-Node")!

    public static func router(hub: ProvinceHub) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(YiwangErrorMiddleware())
        router.middlewares.add(HubAuthMiddleware(hub: hub))
        HubSecurityRoutes.add(to: router, hub: hub)
        router.post("/v1/sync") { request, _ in try await sync(request, hub: hub) }
        router.get("/v1/changes") { request, _ in try await changes(request, hub: hub) }
        router.get("/v1/nodes") { _, _ in Response.rawJSON(bytes: try await hub.report().jsonBytes()) }
        router.get("/v1/nodes/:id") { _, context in
            Response.rawJSON(bytes: try await hub.status(of: try context.parameters.require("id")).jsonBytes())
        }
        router.get("/v1/records/:dataset/:key") { _, context in
            let dataset = try context.parameters.require("dataset")
            let key = try PathKey.decode(try context.parameters.require("key"))
            try requireDeclared(dataset, hub: hub)
            guard let state = try await hub.store.record(dataset: dataset, key: key) else {
                throw YiwangError.notFound("record '\(key)' in dataset '\(dataset)'")
            }
            return Response.rawJSON(RecordJSON.record(dataset: dataset, key: key, state: state))
        }
        router.get("/v1/datasets/:dataset/digest") { _, context in
            let dataset = try context.parameters.require("dataset")
            try requireDeclared(dataset, hub: hub)
            let digest = try await hub.store.digest(dataset: dataset)
            return Response.json(DigestBody(dataset: dataset, digest: digest.hex, records: digest.records))
        }
        router.get("/v1/conflicts") { request, _ in try await conflicts(request, hub: hub) }
        router.get("/healthz") { _, _ in
            guard (try? await hub.store.isHealthy()) == true else {
                throw YiwangError.unavailable("the hub database does not answer")
            }
            return Response.json(["status": "ok"])
        }
        router.get("/metrics") { _, _ in
            var buffer = ByteBuffer()
            buffer.writeString(try await hub.metricsText())
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: buffer))
        }
        return router
    }

    private static func sync(_ request: Request, hub: ProvinceHub) async throws -> Response {
        let claimed = request.headers[nodeHeader]
        if let claimed, hub.topology.node(claimed) == nil {
            try await hub.rejectBatch(node: nil, error: .unknownNode(claimed))
            throw YiwangError.unknownNode(claimed)
        }
        let limit = hub.configuration.maxBodyBytes
        let ack = try await hub.syncGate.run {
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: limit)
            } catch is NIOTooManyBytesError {
                let error = YiwangError.batchTooLarge("the body is over the \(limit)-byte limit; send smaller batches")
                try await hub.rejectBatch(node: claimed, error: error)
                throw error
            }
            return try await hub.sync(body: Array(buffer.readableBytesView), claimedNode: claimed)
        }
        return Response.json(ack)
    }

    private static func conflicts(_ request: Request, hub: ProvinceHub) async throws -> Response {
        let query = request.uri.queryParameters
        let dataset = query["dataset"].map(String.init)
        let key = query["key"].map(String.init)
        var limit = 100
        if let text = query["limit"] {
            guard let value = Int(text), value > 0 else {
                throw YiwangError.invalidField("limit", "limit must be a positive integer")
            }
            limit = min(value, 10_000)
        }
        if let dataset { try requireDeclared(dataset, hub: hub) }
        let stored = try await hub.store.conflicts(dataset: dataset, key: key, limit: limit)
        let items = stored.map { item in
            let c = item.conflict
            return "{\"id\":\(item.id),\"recordedAtMs\":\(item.recordedAtMs),\"resolution\":"
                + RecordJSON.quoted(c.resolution.rawValue) + ",\"dataset\":" + RecordJSON.quoted(c.winner.dataset)
                + ",\"key\":" + RecordJSON.quoted(c.winner.key) + ",\"winner\":" + RecordJSON.version(c.winner)
                + ",\"loser\":" + RecordJSON.version(c.loser) + "}"
        }
        return Response.rawJSON("{\"conflicts\":[" + items.joined(separator: ",") + "]}")
    }

    private static func requireDeclared(_ dataset: String, hub: ProvinceHub) throws {
        guard hub.topology.policies[dataset] != nil else {
            throw YiwangError(
                code: .unknownDataset, field: "dataset", message: "dataset '\(dataset)' is not in the topology")
        }
    }
}

/// `GET /v1/datasets/{dataset}/digest`.
public struct DigestBody: Codable, Sendable, Hashable {
    public var dataset: String
    /// 64 hex digits.
    public var digest: String
    public var records: Int
}
