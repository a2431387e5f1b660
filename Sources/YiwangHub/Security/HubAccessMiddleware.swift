import HTTPTypes
import Hummingbird
import YiwangCore
import YiwangHTTP
import YiwangStore

/// Enforces a route group's `HubAccess` on the route that matched (group middleware runs only once the
/// router has chosen the endpoint), and puts the sender in `HubRequestContext.identity`.
///
/// Node routes: the credential must be a node's, of a node in the topology; `X-Yiwang-Node`, when sent, is a
/// claim compared with it. Every refusal before the sender is proven goes to `ProvinceHub.refuseUnproven`
/// (no node's report changes; audited within one shared budget when `batches`). On the batch route
/// (`batches`) a proven node is then held to its own rate limit.
///
/// With no credential required (a loopback hub with `auth: off`, or `auto` before any credential exists) the
/// claim is taken as it stands: such a hub is reachable from this machine only (README "Security").
struct HubAccessMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let access: HubAccess
    let hub: ProvinceHub
    /// The batch route: refusals are audited as refused batches, and the per-node rate limit applies.
    var batches = false
    let limiter: NodeRateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard access != .open else { return try await next(request, context) }
        var context = context
        let claimed = request.headers[HubRoutes.nodeHeader]
        do {
            context.identity = try await identify(request, claimed: claimed)
        } catch let error as YiwangError {
            if access == .node { try await hub.refuseUnproven(claimed: claimed, error: error, auditAsBatch: batches) }
            throw error
        }
        if batches, let node = context.identity?.name, let waitMs = limiter.take(node: node, nowMs: hub.clock.nowMs()) {
            hub.metrics.recordRejectedBatch()
            let seconds = max(1, waitMs / 1000 + (waitMs % 1000 == 0 ? 0 : 1))
            var response = Response.json(
                ErrorBody(.rateLimited("node '\(node)' is over its batch rate; retry in \(seconds)s")),
                status: .tooManyRequests)
            response.headers[.retryAfter] = "\(seconds)"
            return response
        }
        return try await next(request, context)
    }

    /// The sender, or the refusal (`unauthorized`, `forbidden`, `unknownNode`).
    private func identify(_ request: Request, claimed: String?) async throws -> HubIdentity {
        guard try await authRequired() else {
            if access == .node, let claimed, hub.topology.node(claimed) == nil {
                throw YiwangError.unknownNode(String(claimed.prefix(64)))
            }
            return HubIdentity(
                name: access == .node ? claimed : nil, role: access == .node ? .node : .admin, proven: false)
        }
        let credential = try await authenticate(request)
        guard access.admits(credential.role) else {
            switch access {
            case .node:
                throw YiwangError.forbidden("a \(credential.role.rawValue) credential cannot sync; use the node's own")
            case .admin: throw YiwangError.forbidden("this route needs an admin credential")
            default: throw YiwangError.forbidden("a node credential cannot read the operators' API; use a reader one")
            }
        }
        if access == .node {
            if let claimed, Array(claimed.utf8) != Array(credential.name.utf8) {
                throw YiwangError.forbidden("the credential of node '\(credential.name)' was used for another node")
            }
            guard hub.topology.node(credential.name) != nil else { throw YiwangError.unknownNode(credential.name) }
        }
        return HubIdentity(name: credential.name, role: credential.role, proven: true)
    }

    /// Whether this request must carry a credential (see `HubSecurityConfiguration.AuthMode`).
    private func authRequired() async throws -> Bool {
        let security = hub.configuration.security
        switch security.auth {
        case .on: return true
        case .off: return false
        case .auto:
            if !HubSecurityConfiguration.isLoopback(hub.configuration.host) { return true }
            return try await hub.store.activeCredentialCount(nowMs: hub.clock.nowMs()) > 0
        }
    }

    private func authenticate(_ request: Request) async throws -> Credential {
        guard let token = CredentialToken.bearer(request.headers[.authorization]) else {
            throw YiwangError.unauthorized("missing credential: send Authorization: Bearer TOKEN")
        }
        guard let credential = try await hub.store.credential(tokenHash: CredentialToken.hash(token)) else {
            throw YiwangError.unauthorized("unknown credential")
        }
        guard credential.isValid(atMs: hub.clock.nowMs()) else {
            throw YiwangError.unauthorized("the credential of '\(credential.name)' was revoked")
        }
        return credential
    }
}
