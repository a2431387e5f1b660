import Hummingbird
import YiwangCore

/// The request context of every hub route: Hummingbird's core storage plus who sent the request, as the
/// route group's `HubAccessMiddleware` established it after the route matched. Routes read the sender from
/// here, never from a header.
public struct HubRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The sender; nil on open routes (and before the access check ran).
    public internal(set) var identity: HubIdentity?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}

/// Who sent a request, and how the hub knows.
public struct HubIdentity: Sendable, Hashable {
    /// A node id (node routes) or an operator's credential name (operators' routes); nil for a node on a
    /// trial hub that did not name itself (its batch then names it).
    public var name: String?
    public var role: CredentialToken.Role
    /// True when a credential proved it; false on a loopback trial hub without credentials, where the
    /// `X-Yiwang-Node` claim is taken as it stands (README "Security").
    public var proven: Bool

    public init(name: String?, role: CredentialToken.Role, proven: Bool) {
        self.name = name
        self.role = role
        self.proven = proven
    }
}
