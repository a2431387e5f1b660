import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import YiwangCore
import YiwangHTTP
import YiwangStore

/// The routes a city serves its counties on its relay listener (issue 16, "Up"): `POST /v1/sync` as the hub
/// serves it (same batch format and limits, same acknowledgement with `heldThrough` added), and
/// `GET /v1/grants` from the stored subtree. Each route sits in the group of its access (`RelayAccess`).
public struct RelayRoutes: Sendable {
    static let nodeHeader = HTTPField.Name("X-Yiwang-Node")!
    /// Largest batch body accepted, as the hub's default `max_body_bytes`.
    public static let maxBodyBytes = 32 << 20

    let store: EdgeStore
    let counties: RelayCounties
    let grants: ProvinceGrants
    let maxClockAheadMs: Int64
    let logger: Logger
    let metrics = RelayMetrics()

    public init(
        store: EdgeStore, counties: RelayCounties, grants: ProvinceGrants, maxClockAheadMs: Int64, logger: Logger
    ) {
        self.store = store
        self.counties = counties
        self.grants = grants
        self.maxClockAheadMs = maxClockAheadMs
        self.logger = logger
    }

    public func router() -> Router<RelayRequestContext> {
        let router = Router(context: RelayRequestContext.self)
        router.middlewares.add(ProtocolHeaderMiddleware())
        router.middlewares.add(YiwangErrorMiddleware())
        func group(_ access: RelayAccess) -> RouterGroup<RelayRequestContext> {
            router.group().add(middleware: RelayAccessMiddleware(access: access, counties: counties, store: store))
        }
        let open = group(.open)
        let uploads = group(.county)
        uploads.post("/v1/sync") { request, context in try await self.sync(request, context) }
        uploads.get("/v1/grants") { _, context in try self.countyGrants(context) }
        open.get("/healthz") { _, _ in Response.rawJSON("{\"status\":\"ok\"}") }
        return router
    }

    func sync(_ request: Request, _ context: RelayRequestContext) async throws -> Response {
        guard let county = context.county else { throw YiwangError.unauthorized("no county credential") }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw YiwangError(code: .batchTooLarge, message: "the batch is over \(Self.maxBodyBytes) bytes")
        }
        let limits = BatchCodec.Limits(maxRawBytes: max(Self.maxBodyBytes * 8, 64 << 20))
        let batch = try BatchCodec.decode(Array(body.readableBytesView), limits: limits)
        let received = try await store.receiveRelayed(
            batch, county: county, replicaDatasets: Set(grants.plan.datasets), maxClockAheadMs: maxClockAheadMs)
        metrics.record(received)
        if received.relayed > 0 || received.ack.expectedSeq != nil {
            logger.debug(
                "relayed batch",
                metadata: [
                    "yiwang.origin": .string(county.id), "yiwang.batch.seq": .stringConvertible(batch.firstSeq),
                    "yiwang.relayed": .stringConvertible(received.relayed),
                    "yiwang.merged": .stringConvertible(received.merged),
                ])
        }
        return Response.json(received.ack)
    }

    /// The county's datasets and their policies, from the stored subtree (as the hub's `GET /v1/grants`).
    func countyGrants(_ context: RelayRequestContext) throws -> Response {
        guard let county = context.county, let subtree = counties.subtree else {
            throw YiwangError.unauthorized("no county credential")
        }
        return Response.json(
            NodeGrants(
                node: county.id, datasets: county.datasets,
                policies: subtree.policies.filter { county.datasets.contains($0.key) }))
    }
}
