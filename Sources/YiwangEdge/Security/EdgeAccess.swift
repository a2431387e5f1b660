import HTTPTypes
import Hummingbird
import YiwangCore
import YiwangHTTP

/// The request context of the edge's local API: who is calling, as `EdgeAccessMiddleware` established it
/// once the route matched.
public struct EdgeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The calling application; nil when the node has no `app_credentials_file` (a loopback-only API).
    public internal(set) var application: AppCredentials.Application?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}

/// The role an edge route group declares.
public enum EdgeAccess: String, Sendable, Hashable, CaseIterable {
    /// Anyone: `/healthz`, `/metrics`.
    case open
    /// An application credential: reads and the operators' routes (status, digest, quarantine, resync).
    case application
    /// An application credential whose actors include the request's `X-Actor`: writes.
    case write
}

/// Enforces a group's `EdgeAccess` when the node has application credentials; without them (loopback only,
/// `EdgeConfiguration.validate`) every route stays open as it always was.
struct EdgeAccessMiddleware: RouterMiddleware {
    typealias Context = EdgeRequestContext
    let access: EdgeAccess
    let credentials: AppCredentials?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard access != .open, let credentials else { return try await next(request, context) }
        guard let token = CredentialToken.bearer(request.headers[.authorization]) else {
            throw YiwangError.unauthorized("missing application credential: send Authorization: Bearer TOKEN")
        }
        guard let application = credentials.application(token: token) else {
            throw YiwangError.unauthorized("unknown application credential")
        }
        if access == .write {
            let actor = request.headers[EdgeRoutes.actorHeader] ?? ""
            try Validation.actor(actor, field: "X-Actor")
            guard application.mayWrite(as: actor) else {
                throw YiwangError(
                    code: .forbidden, field: "X-Actor",
                    message:
                        "application '\(application.name)' may not write as this X-Actor (see app_credentials_file)")
            }
        }
        var context = context
        context.application = application
        return try await next(request, context)
    }
}
