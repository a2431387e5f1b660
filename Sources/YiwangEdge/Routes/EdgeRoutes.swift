import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import YiwangCore
import YiwangHTTP
import YiwangStore

/// The edge's local HTTP API for the municipal applications (DESIGN.md, "Edge local HTTP API").
public struct EdgeRoutes: Sendable {
    let configuration: EdgeConfiguration
    let store: EdgeStore
    let status: UplinkStatus
    let metricsText: @Sendable () -> [UInt8]
    /// Which datasets take writes (`DatasetPlan.admit`), as the province's grants say.
    let grants: ProvinceGrants
    let metrics = EdgeMetrics()
    /// A relaying city's counties (`relay_listen`), for the status; nil otherwise.
    var relay: RelayCounties?

    static let actorHeader = HTTPField.Name("X-Actor")!

    /// - Parameters:
    ///   - grants: the node's datasets and policies; by default the store's stored grants and `configuration`.
    ///   - metricsText: renders `GET /metrics` (the Prometheus registry the executable bootstrapped).
    public init(
        configuration: EdgeConfiguration, store: EdgeStore, status: UplinkStatus, grants: ProvinceGrants? = nil,
        metricsText: @escaping @Sendable () -> [UInt8] = { [] }
    ) {
        self.configuration = configuration
        self.store = store
        self.status = status
        self.grants =
            grants ?? ProvinceGrants(
                configuration: configuration, store: store,
                logger: Logger(label: "yiwang-edge", factory: { _ in SwiftLogNoOpLogHandler() }))
        self.metricsText = metricsText
    }

    /// A router with every route and the JSON error middleware. Each route sits in the group of the access it
    /// needs (`EdgeAccess`), enforced once the route matched.
    public func router() -> Router<EdgeRequestContext> {
        let router = Router(context: EdgeRequestContext.self)
        router.add(middleware: YiwangErrorMiddleware())
        func group(_ access: EdgeAccess) -> RouterGroup<EdgeRequestContext> {
            router.group().add(
                middleware: EdgeAccessMiddleware(access: access, credentials: configuration.appCredentials))
        }
        let open = group(.open)
        let apps = group(.application)
        let writers = group(.write)
        writers.put("/v1/records/:dataset/:key") { request, context in try await self.put(request, context) }
        writers.delete("/v1/records/:dataset/:key") { request, context in try await self.delete(request, context) }
        apps.get("/v1/records/:dataset/:key") { request, context in try await self.get(request, context) }
        writers.post("/v1/records/:dataset") { request, context in try await self.bulk(request, context) }
        apps.get("/v1/status") { _, _ in try await self.statusResponse() }
        apps.get("/v1/datasets/:dataset/digest") { _, context in try await self.digest(context) }
        apps.get("/v1/quarantine") { _, _ in try await self.quarantineList() }
        apps.post("/v1/quarantine/:seq/requeue") { _, context in try await self.requeue(context) }
        writers.post("/v1/quarantine/:seq/drop") { request, context in try await self.drop(request, context) }
        apps.post("/v1/downlink/resync") { _, _ in try await self.resyncDownlink() }
        open.get("/healthz") { _, _ in Response.rawJSON("{\"status\":\"ok\"}") }
        open.get("/metrics") { _, _ in
            var buffer = ByteBuffer()
            buffer.writeBytes(self.metricsText())
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: buffer))
        }
        return router
    }

    // MARK: - Records

    func put(_ request: Request, _ context: EdgeRequestContext) async throws -> Response {
        let (dataset, key) = try recordPath(context)
        let actor = try actor(request)
        let value = try await body(request, limit: configuration.maxValueBytes, field: "value")
        try Validation.value(value, maxBytes: configuration.maxValueBytes)
        let version = try await store.apply(.put(dataset: dataset, key: key, actor: actor, value: value))
        metrics.writes.increment()
        return written(version!)
    }

    func delete(_ request: Request, _ context: EdgeRequestContext) async throws -> Response {
        let (dataset, key) = try recordPath(context)
        let actor = try actor(request)
        guard let version = try await store.apply(.delete(dataset: dataset, key: key, actor: actor)) else {
            throw YiwangError.notFound("record")
        }
        metrics.writes.increment()
        return written(version)
    }

    func get(_ request: Request, _ context: EdgeRequestContext) async throws -> Response {
        let (dataset, key) = try recordPath(context)
        guard let state = try await store.record(dataset: dataset, key: key) else { throw YiwangError.notFound("record") }
        return .rawJSON(RecordJSON.record(dataset: dataset, key: key, state: state))
    }

    /// The new version as JSON: dataset, key, vector, hlc, hlcMs, origin, actor, op, value, seq.
    func written(_ version: Version) -> Response {
        let seq = version.vector.counter(for: store.nodeID)
        return .rawJSON(RecordJSON.version(version, extra: [("seq", "\(seq)")]))
    }

    // MARK: - Input

    func dataset(_ context: EdgeRequestContext) throws(YiwangError) -> String {
        guard let dataset = context.parameters.get("dataset") else { throw .invalidField("dataset", "missing") }
        try Validation.dataset(dataset)
        try grants.plan.admit(dataset, node: store.nodeID)
        return dataset
    }

    func recordPath(_ context: EdgeRequestContext) throws(YiwangError) -> (String, String) {
        let dataset = try dataset(context)
        return (dataset, try PathKey.decode(context.parameters.get("key") ?? ""))
    }

    func actor(_ request: Request) throws(YiwangError) -> String {
        let actor = request.headers[Self.actorHeader] ?? ""
        try Validation.actor(actor)
        return actor
    }

    /// The request body as text; an oversized body is refused naming `field`.
    func body(_ request: Request, limit: Int, field: String) async throws -> String {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw YiwangError(code: .valueTooLarge, field: field, message: "body is over the limit of \(limit) bytes")
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw YiwangError(code: .valueTooLarge, field: field, message: "body is over the limit of \(limit) bytes")
        }
        // Invalid UTF-8 is refused naming the field, never replaced with U+FFFD.
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
            throw YiwangError.invalidField(field, "\(field) is not valid UTF-8")
        }
        return text
    }
}
