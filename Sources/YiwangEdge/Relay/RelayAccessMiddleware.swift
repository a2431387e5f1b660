import HTTPTypes
import Hummingbird
import YiwangCore
import YiwangHTTP
import YiwangStore

/// The request context of a city's relay listener: the county the route's access check authenticated.
public struct RelayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public internal(set) var county: RelaySubtree.Node?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}

/// The role a relay route group declares, enforced on the route that matched (`/v1/sync/` and `//v1/sync` are
/// the sync route, whatever their spelling).
public enum RelayAccess: String, Sendable, Hashable, CaseIterable {
    /// Anyone: `/healthz`.
    case open
    /// A county of this city's subtree, by its own node credential: `POST /v1/sync`, `GET /v1/grants`.
    case county
}

/// Enforces a relay group's access: a bearer token whose SHA-256 the stored subtree holds, valid now;
/// `X-Yiwang-Node`, when sent, is a claim compared with it by bytes. No token, an operator's token, a revoked
/// or unknown one: refused before anything is read or changed.
struct RelayAccessMiddleware: RouterMiddleware {
    typealias Context = RelayRequestContext
    let access: RelayAccess
    let counties: RelayCounties
    let store: EdgeStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard access != .open else { return try await next(request, context) }
        guard let token = CredentialToken.bearer(request.headers[.authorization]) else {
            throw YiwangError.unauthorized("missing credential: send Authorization: Bearer TOKEN (the county's own)")
        }
        let county = try counties.authenticate(token: token, nowMs: store.nowMs())
        if let claimed = request.headers[RelayRoutes.nodeHeader], !ByteKey.equal(claimed, county.id) {
            throw YiwangError.forbidden("the credential of node '\(county.id)' was used for another node")
        }
        var context = context
        context.county = county
        return try await next(request, context)
    }
}
