import Hummingbird
import NIOCore
import YiwangCore
import YiwangHTTP

/// The proxy's control API (JSON), as Toxiproxy's:
/// - `GET /faults` → `{"faults": [FAULT...]}`
/// - `POST /faults` with a fault (see `Fault.parse(json:)`) → 201 with the fault, its name filled in
/// - `DELETE /faults/{name}` → 200 with the removed fault; 404 when there is none
/// - `DELETE /faults` → 200 `{"removed": [FAULT...]}` (heal everything)
/// - `GET /stats` → `ProxyStats`; `GET /healthz` → `{"status": "ok"}`
/// Errors: `{"error": CODE, "field": FIELD, "message": ...}` with a 4xx status.
public enum ControlRoutes {
    /// The largest fault request body accepted.
    public static let maxBodyBytes = 64 * 1024

    public static func router(proxy: FaultProxy) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(YiwangErrorMiddleware())
        router.get("/faults") { _, _ in Response.json(FaultList(faults: proxy.faults)) }
        router.post("/faults") { request, _ in
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: maxBodyBytes)
            } catch is NIOTooManyBytesError {
                throw YiwangError.invalidField("body", "is over the \(maxBodyBytes)-byte limit")
            }
            let fault = try Fault.parse(json: body.readableBytesView)
            return Response.json(try proxy.add(fault), status: .created)
        }
        router.delete("/faults/:name") { _, context in
            Response.json(try proxy.remove(named: try context.parameters.require("name")))
        }
        router.delete("/faults") { _, _ in Response.json(HealResult(removed: proxy.heal())) }
        router.get("/stats") { _, _ in Response.json(proxy.stats) }
        router.get("/healthz") { _, _ in Response.json(["status": "ok"]) }
        return router
    }

    /// `GET /faults` body.
    public struct FaultList: Codable, Sendable {
        public var faults: [Fault]
    }

    /// `DELETE /faults` body.
    public struct HealResult: Codable, Sendable {
        public var removed: [Fault]
    }
}
