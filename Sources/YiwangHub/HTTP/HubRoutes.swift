import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import YiwangAPI
import YiwangCore
import YiwangHTTP
import YiwangStore

/// The hub's HTTP API (DESIGN.md "Hub HTTP API"). Errors are thrown as `YiwangError` and rendered as JSON by
/// `YiwangErrorMiddleware`.
public enum HubRoutes {
    /// The media type of `POST /v1/sync` bodies (`BatchCodec`).
    public static let batchContentType = "application/x-yiwang-batch"
    /// The header naming the sending node: a claim, compared with the node's credential (and taken as it stands
    /// on a trial hub without credentials), so a batch refused before decoding is still counted against it.
    public static let nodeHeader = HTTPField.Name("X-Yiwang-Node")!

    /// Every route, each in the group of the role it needs (`HubAccess`); a route added to `router` itself
    /// would have no role, and `HubRouteAccessTests` fails for it.
    public static func router(hub: ProvinceHub) -> Router<HubRequestContext> {
        let router = Router(context: HubRequestContext.self)
        router.middlewares.add(ProtocolHeaderMiddleware())  // outermost: on every answer, errors and 404s too
        router.middlewares.add(YiwangErrorMiddleware())
        let security = hub.configuration.security
        let limiter = NodeRateLimiter(rate: security.rateLimitBatchesPerSecond, burst: security.rateLimitBurst)
        func group(_ access: HubAccess, batches: Bool = false) -> RouterGroup<HubRequestContext> {
            router.group().add(
                middleware: HubAccessMiddleware(access: access, hub: hub, batches: batches, limiter: limiter))
        }
        let open = group(.open)
        let batches = group(.node, batches: true)
        let nodes = group(.node)
        let readers = group(.reader)
        let admins = group(.admin)

        batches.post("/v1/sync") { request, context in try await sync(request, node: context.identity?.name, hub: hub) }
        nodes.get("/v1/changes") { request, context in try await changes(request, context: context, hub: hub) }
        nodes.get("/v1/snapshot") { request, context in try await snapshot(request, context: context, hub: hub) }
        nodes.get("/v1/grants") { _, context in try grants(context: context, hub: hub) }
        nodes.get("/v1/relay/subtree") { _, context in try await relaySubtree(context: context, hub: hub) }
        HubSecurityRoutes.add(to: readers, hub: hub)
        HubSecurityRoutes.addAdmin(to: admins, hub: hub)
        readers.get("/v1/nodes") { _, _ in Response.rawJSON(bytes: try await hub.report().jsonBytes()) }
        readers.get("/v1/nodes/:id") { _, context in
            Response.rawJSON(bytes: try await hub.status(of: try context.parameters.require("id")).jsonBytes())
        }
        readers.get("/v1/records/:dataset/:key") { _, context in
            let dataset = try context.parameters.require("dataset")
            let key = try PathKey.decode(try context.parameters.require("key"))
            try requireDeclared(dataset, hub: hub)
            guard let state = try await hub.store.record(dataset: dataset, key: key) else {
                throw YiwangError.notFound("record '\(key)' in dataset '\(dataset)'")
            }
            return Response.rawJSON(RecordJSON.record(dataset: dataset, key: key, state: state))
        }
        readers.get("/v1/datasets/:dataset/digest") { _, context in
            let dataset = try context.parameters.require("dataset")
            try requireDeclared(dataset, hub: hub)
            let digest = try await hub.store.digest(dataset: dataset)
            return Response.json(DigestBody(dataset: dataset, digest: digest))
        }
        readers.get("/v1/conflicts") { request, _ in try await conflicts(request, hub: hub) }
        open.get("/healthz") { _, _ in
            guard (try? await hub.store.isHealthy()) == true else {
                throw YiwangError.unavailable("the hub database does not answer")
            }
            return Response.json(["status": "ok"])
        }
        open.get("/metrics") { _, _ in
            var buffer = ByteBuffer()
            buffer.writeString(try await hub.metricsText())
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: buffer))
        }
        return router
    }

    /// `node` is the sender as `HubAccessMiddleware` established it (nil: a trial hub's node that did not
    /// name itself; its batch names it).
    private static func sync(_ request: Request, node claimed: String?, hub: ProvinceHub) async throws -> Response {
        // The body arrives before the batch is admitted to the writer: a slow upload holds bytes of the budget,
        // never a permit, so other nodes' batches and heartbeats go on.
        let ack: SyncAck
        do {
            ack = try await hub.bodyBudget.withBody(request.body, limit: hub.configuration.maxBodyBytes) { bytes in
                try await hub.syncGate.run { try await hub.sync(body: bytes, claimedNode: claimed) }
            }
        } catch let error as YiwangError where error.code == .batchTooLarge || error.code == .requestTimeout {
            try await hub.rejectBatch(node: claimed, error: error)  // the node's own doing: its report says so
            throw error
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
        var before: Int64?
        if let text = query["before"] {
            guard let value = Int64(text), value > 0 else {
                throw YiwangError.invalidField("before", "before must be a conflict id in 1...\(Int64.max)")
            }
            before = value
        }
        if let dataset { try requireDeclared(dataset, hub: hub) }
        // Bounded in bytes as well as in count; `more` (and `X-Yiwang-More`) says older ones remain.
        let page = try await hub.store.conflictPage(dataset: dataset, key: key, limit: limit, before: before)
        let items = page.items.map { (id: $0.id, recordedAtMs: $0.recordedAtMs, conflict: $0.conflict) }
        var response = Response.rawJSON(ConflictsBody.json(items, more: page.more))
        response.headers[HubRoutes.moreHeader] = page.more ? "1" : "0"
        return response
    }

    private static func requireDeclared(_ dataset: String, hub: ProvinceHub) throws {
        guard hub.topology.policies[dataset] != nil else {
            throw YiwangError(
                code: .unknownDataset, field: "dataset", message: "dataset '\(dataset)' is not in the topology")
        }
    }
}
