import Dispatch
import Synchronization
import YiwangCore
import YiwangHTTP

/// One answer of the hub's `GET /v1/changes`.
public struct FeedResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    /// `X-Yiwang-Cursor`, `X-Yiwang-More` and `X-Yiwang-Head`, when present.
    public var cursor: Int64?
    public var more: Bool
    public var head: Int64?
    /// `X-Yiwang-Reset: 1`: the hub served from the start of its feed (the only case a cursor may go back).
    public var reset: Bool

    public init(status: Int, body: [UInt8], cursor: Int64?, more: Bool, head: Int64?, reset: Bool = false) {
        self.status = status
        self.body = body
        self.cursor = cursor
        self.more = more
        self.head = head
        self.reset = reset
    }
}

/// What the downlink needs from the network: one pull of the hub's change feed. Completion-based, so a
/// long-poll in flight can be abandoned at shutdown without waiting for it.
public protocol DownlinkTransport: Sendable {
    func fetchChanges(
        node: String, since: Int64, limit: Int, waitSeconds: Int,
        completion: @escaping @Sendable (Result<FeedResponse, YiwangError>) -> Void)
}

/// The production downlink transport: libcurl, with its own connections (the uplink's is not held up by a
/// long-poll). A pull abandoned by a resync may still be in flight; the next one then takes another client.
public struct CurlDownlinkTransport: DownlinkTransport {
    /// The hub's `/v1/changes` URL.
    public let url: String
    private let clients: ClientPool

    public init(url: String, configuration: CurlHTTPClient.Configuration) {
        self.url = url
        self.clients = ClientPool(configuration: configuration)
    }

    public func fetchChanges(
        node: String, since: Int64, limit: Int, waitSeconds: Int,
        completion: @escaping @Sendable (Result<FeedResponse, YiwangError>) -> Void
    ) {
        let target = "\(url)?since=\(since)&limit=\(limit)&wait=\(waitSeconds)"
        let clients = self.clients
        DispatchQueue.global().async {
            let client = clients.take()
            defer { clients.giveBack(client) }
            let result = Result { () throws(YiwangError) -> FeedResponse in
                let response = try client.sendBlocking(
                    method: "GET", url: target,
                    headers: [("X-Yiwang-Node", node), (ProtocolVersion.header, ProtocolVersion.current.description)])
                return FeedResponse(
                    status: response.status, body: response.body,
                    cursor: response.header("X-Yiwang-Cursor").flatMap { Int64($0) },
                    more: response.header("X-Yiwang-More") == "1",
                    head: response.header("X-Yiwang-Head").flatMap { Int64($0) },
                    reset: response.header("X-Yiwang-Reset") == "1")
            }
            completion(result)
        }
    }
}

/// Idle libcurl clients (each keeps its connection to the hub open), created on demand.
private final class ClientPool: Sendable {
    let configuration: CurlHTTPClient.Configuration
    private let idle = Mutex<[CurlHTTPClient]>([])

    init(configuration: CurlHTTPClient.Configuration) { self.configuration = configuration }

    func take() -> CurlHTTPClient {
        idle.withLock { $0.popLast() } ?? CurlHTTPClient(configuration: configuration)
    }

    func giveBack(_ client: CurlHTTPClient) {
        idle.withLock { if $0.count < 2 { $0.append(client) } }
    }
}

extension EdgeConfiguration.Transport {
    /// The uplink's libcurl settings, with a total timeout long enough for the longest long-poll.
    var downlinkCurl: CurlHTTPClient.Configuration {
        var configuration = curl
        configuration.totalTimeoutMs = max(configuration.totalTimeoutMs, (ProvinceFeed.maxWaitSeconds + 15) * 1000)
        return configuration
    }
}

/// Limits of the hub's feed that the edge relies on.
enum ProvinceFeed {
    /// The hub holds a pull open at most this long, in seconds.
    static let maxWaitSeconds = 30
}
