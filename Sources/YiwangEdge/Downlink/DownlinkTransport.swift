import Dispatch
import Foundation
import YiwangAPI
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
    /// `X-Yiwang-Upstream` as sent (unchecked): the upstream whose feed `cursor` counts in.
    public var upstreamHeader: String?

    public init(
        status: Int, body: [UInt8], cursor: Int64?, more: Bool, head: Int64?, reset: Bool = false,
        upstreamHeader: String? = nil
    ) {
        self.status = status
        self.body = body
        self.cursor = cursor
        self.more = more
        self.head = head
        self.reset = reset
        self.upstreamHeader = upstreamHeader
    }
}

/// One answer of the hub's `GET /v1/snapshot`: the status and the body (a `SnapshotCodec` page on 200).
public struct SnapshotResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    /// `X-Yiwang-Upstream` as sent (unchecked): the upstream whose feed the snapshot's position counts in.
    public var upstreamHeader: String?

    public init(status: Int, body: [UInt8], upstreamHeader: String? = nil) {
        self.status = status
        self.body = body
        self.upstreamHeader = upstreamHeader
    }

    /// The body an older hub, which has no `/v1/snapshot` route, answers with its 404.
    public static var noRouteBody: [UInt8] { Array((try? JSONCoding.encoder.encode(ErrorBody.noRoute)) ?? Data()) }

    /// Whether the hub said it has no snapshot route (an older hub): only then does the node skip the snapshot.
    public var isNoRoute: Bool { ErrorBody.isNoRoute(status: status, body: body) }
}

/// What the downlink needs from the network: one pull of the hub's change feed, one page of its snapshot.
/// Completion-based, so a long-poll in flight can be abandoned at shutdown without waiting for it.
public protocol DownlinkTransport: Sendable {
    func fetchChanges(
        node: String, since: Int64, limit: Int, waitSeconds: Int,
        completion: @escaping @Sendable (Result<FeedResponse, YiwangError>) -> Void)

    /// One snapshot page: the first when `position` is nil, else the page after `after`.
    func fetchSnapshot(
        node: String, position: Int64?, after: SnapshotToken?, limit: Int,
        completion: @escaping @Sendable (Result<SnapshotResponse, YiwangError>) -> Void)
}

extension DownlinkTransport {
    /// A transport that knows no snapshot answers as an older hub does (404, its router's body for a path it
    /// has no route for): the node pulls the feed from 0.
    public func fetchSnapshot(
        node: String, position: Int64?, after: SnapshotToken?, limit: Int,
        completion: @escaping @Sendable (Result<SnapshotResponse, YiwangError>) -> Void
    ) {
        completion(.success(SnapshotResponse(status: 404, body: SnapshotResponse.noRouteBody)))
    }
}

/// The production downlink transport: libcurl, with its own connections (the uplink's is not held up by a
/// long-poll). A pull abandoned by a resync may still be in flight; the next one then takes another client.
public struct CurlDownlinkTransport: DownlinkTransport {
    /// The hub's `/v1/changes` URL.
    public let url: String
    private let clients: ClientPool

    /// The hub's `/v1/snapshot` URL.
    public let snapshotURL: String

    /// `url` is the hub's `/v1/changes` URL; the snapshot's is beside it unless given.
    public init(url: String, snapshotURL: String? = nil, configuration: CurlHTTPClient.Configuration) {
        self.url = url
        self.snapshotURL =
            snapshotURL ?? (url.hasSuffix("/v1/changes") ? String(url.dropLast("/v1/changes".count)) : url)
            + "/v1/snapshot"
        self.clients = ClientPool(configuration: configuration)
    }

    public func fetchSnapshot(
        node: String, position: Int64?, after: SnapshotToken?, limit: Int,
        completion: @escaping @Sendable (Result<SnapshotResponse, YiwangError>) -> Void
    ) {
        var target = "\(snapshotURL)?limit=\(limit)"
        if let position { target += "&position=\(position)" }
        if let after { target += "&after=\(after.encoded)" }
        let url = target
        let clients = self.clients
        DispatchQueue.global().async {
            let client = clients.take()
            defer { clients.giveBack(client) }
            let result = Result { () throws(YiwangError) -> SnapshotResponse in
                let response = try client.sendBlocking(
                    method: "GET", url: url,
                    headers: [("X-Yiwang-Node", node), (ProtocolVersion.header, ProtocolVersion.current.description)])
                return SnapshotResponse(
                    status: response.status, body: response.body, upstreamHeader: response.header(UpstreamAnswer.header))
            }
            completion(result)
        }
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
                    reset: response.header("X-Yiwang-Reset") == "1",
                    upstreamHeader: response.header(UpstreamAnswer.header))
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
