import YiwangCore

/// The role a route group declares; `HubAccessMiddleware` enforces it on the route that matched, whatever
/// spelling of the path reached it (`/v1/sync/`, `//v1/sync` and `/v1//sync` are all the sync route).
public enum HubAccess: String, Sendable, Hashable, CaseIterable {
    /// Anyone: `/healthz`, `/metrics` (loopback checks, scrapers).
    case open
    /// A node's own credential: `POST /v1/sync`, `GET /v1/changes`, `GET /v1/grants`, `GET /v1/relay/subtree`.
    case node
    /// An operator's credential, `reader` or `admin`: the report, records, digests, conflicts, the audit log.
    case reader
    /// An `admin` credential only (managing credentials over the API).
    case admin

    /// Whether a credential of `role` may use a route of this access.
    public func admits(_ role: CredentialToken.Role) -> Bool {
        switch self {
        case .open: true
        case .node: role == .node
        case .reader: role == .reader || role == .admin
        case .admin: role == .admin
        }
    }
}
