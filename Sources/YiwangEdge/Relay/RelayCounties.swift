import Logging
import Synchronization
import YiwangCore
import YiwangStore

/// The counties a relaying city serves, as the hub last handed them (`GET /v1/relay/subtree`): the copy stored
/// in `edge.sqlite` at start, the hub's answer as soon as it comes, so the city keeps authenticating its
/// counties while cut off from the province. Nothing but the stored hashes authenticates a county.
public final class RelayCounties: Sendable {
    let store: EdgeStore
    private let current: Mutex<(subtree: RelaySubtree, receivedAtMs: Int64)?>
    private let lastError = Mutex<String?>(nil)

    /// Loads the stored subtree; an unreadable stored copy is logged and ignored (the next answer replaces it).
    public init(store: EdgeStore, logger: Logger) {
        self.store = store
        var stored: (subtree: RelaySubtree, receivedAtMs: Int64)?
        do { stored = try store.storedRelaySubtree() } catch {
            logger.error("stored relay subtree unreadable", metadata: ["yiwang.error": .string(error.description)])
        }
        current = Mutex(stored)
    }

    /// The subtree in use, if any.
    public var subtree: RelaySubtree? { current.withLock { $0?.subtree } }
    public var receivedAtMs: Int64? { current.withLock { $0?.receivedAtMs } }
    public var error: String? { lastError.withLock { $0 } }

    /// The county whose token is `token`, valid now; else `unauthorized` (or `unavailable` before the hub ever
    /// handed this city its subtree). Compares only SHA-256 hashes, as the hub does.
    public func authenticate(token: String, nowMs: Int64) throws(YiwangError) -> RelaySubtree.Node {
        guard let subtree else {
            throw .unavailable("this relay has no county credentials yet: the hub has not answered GET /v1/relay/subtree")
        }
        switch subtree.authenticate(tokenHash: CredentialToken.hash(token), nowMs: nowMs) {
        case .node(let node): return node
        case .revoked(let id): throw .unauthorized("the credential of '\(id)' was revoked")
        case .unknown: throw .unauthorized("unknown credential")
        }
    }

    /// Adopts a validated answer from the hub (stored first by the caller).
    func adopt(_ subtree: RelaySubtree, atMs: Int64) {
        current.withLock { $0 = (subtree, atMs) }
        lastError.withLock { $0 = nil }
    }

    func failed(_ message: String) { lastError.withLock { $0 = message } }
}
