import HTTPTypes
import Hummingbird
import YiwangCore
import YiwangHTTP
import YiwangStore

/// Authenticates and authorizes every request before its route runs (DESIGN.md "Security"):
/// - `/healthz` and `/metrics` are open (loopback checks, scrapers);
/// - `/v1/sync` and `/v1/changes` need a `node` credential of the node named in `X-Yiwang-Node` (the header is
///   then set to the authenticated node), and `/v1/sync` is rate-limited per node;
/// - every other route needs a `reader` or `admin` credential.
/// A refused sync is counted against the node it claims to be (rejected batches, last error) and audited.
struct HubAuthMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let hub: ProvinceHub
    let limiter: NodeRateLimiter

    init(hub: ProvinceHub) {
        self.hub = hub
        let security = hub.configuration.security
        limiter = NodeRateLimiter(rate: security.rateLimitBatchesPerSecond, burst: security.rateLimitBurst)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let path = request.uri.path
        if path == "/healthz" || path == "/metrics" { return try await next(request, context) }
        let isNodeRoute = path == "/v1/sync" || path.hasPrefix("/v1/changes")
        guard isNodeRoute else {
            if try await authRequired() {
                let credential = try await authenticate(request)
                guard credential.role != .node else {
                    throw YiwangError.forbidden("a node credential cannot read the operators' API; use a reader one")
                }
            }
            return try await next(request, context)
        }
        let claimed = request.headers[HubRoutes.nodeHeader]
        var node = claimed
        do {
            if try await authRequired() {
                let credential = try await authenticate(request)
                guard credential.role == .node else {
                    throw YiwangError.forbidden("a \(credential.role.rawValue) credential cannot sync; use the node's own")
                }
                if let claimed, claimed != credential.name {
                    throw YiwangError.forbidden("the credential of node '\(credential.name)' was used for '\(claimed)'")
                }
                node = credential.name
            }
        } catch let error as YiwangError {
            guard path == "/v1/sync" else { throw error }
            // Refusals are counted and audited up to the rate limit (a separate bucket per claimed name, so a
            // flood of bad credentials neither fills the audit log nor drains the real node's bucket).
            if limiter.take(node: "refused:" + String((claimed ?? "-").prefix(64)), nowMs: hub.clock.nowMs()) == nil {
                try await hub.rejectBatch(node: claimed, error: error)
            } else {
                hub.metrics.recordRejectedBatch()
            }
            throw error
        }
        var request = request
        if let node {
            var head = request.head
            head.headerFields[HubRoutes.nodeHeader] = node
            request = Request(head: head, body: request.body)
            if path == "/v1/sync", let waitMs = limiter.take(node: node, nowMs: hub.clock.nowMs()) {
                hub.metrics.recordRejectedBatch()
                let seconds = max(1, (waitMs + 999) / 1000)
                var response = Response.json(
                    ErrorBody(.rateLimited("node '\(node)' is over its batch rate; retry in \(seconds)s")),
                    status: .tooManyRequests)
                response.headers[.retryAfter] = "\(seconds)"
                return response
            }
        }
        return try await next(request, context)
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
