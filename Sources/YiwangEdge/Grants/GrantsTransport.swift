import Foundation
import YiwangCore
import YiwangHTTP

/// What the node needs from the network to learn its grants: one `GET /v1/grants` of the hub.
/// Transport failures throw `YiwangError` with code `.transport`.
public protocol GrantsTransport: Sendable {
    func fetchGrants(node: String) async throws(YiwangError) -> (status: Int, body: [UInt8])
    /// `GET /v1/relay/subtree` (a relaying city's counties, `RelaySubtree`).
    func fetchRelaySubtree(node: String) async throws(YiwangError) -> (status: Int, body: [UInt8])
}

extension GrantsTransport {
    public func fetchRelaySubtree(node: String) async throws(YiwangError) -> (status: Int, body: [UInt8]) {
        throw .unavailable("this grants transport does not fetch a relay subtree")
    }
}

/// The production grants transport: libcurl, its own connection (a long-poll of the downlink never holds it).
public struct CurlGrantsTransport: GrantsTransport {
    public let url: String
    let client: CurlHTTPClient
    let subtreeClient: CurlHTTPClient

    public init(url: String, configuration: CurlHTTPClient.Configuration) {
        self.url = url
        var configuration = configuration
        configuration.maxResponseBytes = GrantsAnswer.maxBodyBytes  // cut off while sent, not checked after
        self.client = CurlHTTPClient(configuration: configuration)
        configuration.maxResponseBytes = RelaySubtreeAnswer.maxBodyBytes
        self.subtreeClient = CurlHTTPClient(configuration: configuration)
    }

    public func fetchRelaySubtree(node: String) async throws(YiwangError) -> (status: Int, body: [UInt8]) {
        let base = url.hasSuffix("/v1/grants") ? String(url.dropLast("/v1/grants".count)) : url
        let response = try await subtreeClient.send(
            method: "GET", url: base + "/v1/relay/subtree",
            headers: [("X-Yiwang-Node", node), (ProtocolVersion.header, ProtocolVersion.current.description)])
        return (response.status, response.body)
    }

    /// The hub's grants URL for a node whose hub base URL is `hubURL`.
    public static func grantsURL(hubURL: String) -> String {
        (hubURL.hasSuffix("/") ? String(hubURL.dropLast()) : hubURL) + "/v1/grants"
    }

    public func fetchGrants(node: String) async throws(YiwangError) -> (status: Int, body: [UInt8]) {
        let response = try await client.send(
            method: "GET", url: url,
            headers: [("X-Yiwang-Node", node), (ProtocolVersion.header, ProtocolVersion.current.description)])
        return (response.status, response.body)
    }
}

/// Reading the hub's answer to `GET /v1/grants`: nothing in it is used before it is checked.
enum GrantsAnswer {
    /// Largest answer body accepted (4096 datasets with their policies fit many times over).
    static let maxBodyBytes = 1 << 20

    /// The grants in a hub's answer for `node`, validated; else an error saying what was wrong with it.
    static func decode(status: Int, body: [UInt8], node: String) throws(YiwangError) -> NodeGrants {
        guard status == 200 else {
            let reason = UplinkService.reason(status: status, body: body)
            if status == 404 {
                throw .unavailable("the hub does not serve /v1/grants (\(reason)): is it older than this node?")
            }
            throw .unavailable("the hub answered \(status) to a grants request: \(reason)")
        }
        guard body.count <= maxBodyBytes else {
            throw .invalidField("grants", "the hub's grants answer is over \(maxBodyBytes) bytes")
        }
        let grants: NodeGrants
        do {
            grants = try JSONCoding.decoder.decode(NodeGrants.self, from: Data(body))
        } catch {
            throw .invalidField("grants", "the hub's grants answer is not {\"node\",\"datasets\",\"policies\"} JSON")
        }
        return try grants.validated(for: node)
    }
}

/// Reading the hub's answer to `GET /v1/relay/subtree`: nothing in it is used before it is checked.
enum RelaySubtreeAnswer {
    /// Largest answer accepted: 10,000 nodes with a few credentials each fit several times over.
    static let maxBodyBytes = 32 << 20

    static func decode(status: Int, body: [UInt8], node: String) throws(YiwangError) -> RelaySubtree {
        guard status == 200 else {
            let reason = UplinkService.reason(status: status, body: body)
            throw .unavailable("the hub answered \(status) to GET /v1/relay/subtree: \(reason)")
        }
        guard body.count <= maxBodyBytes else {
            throw .invalidField("subtree", "the hub's subtree answer is over \(maxBodyBytes) bytes")
        }
        let subtree: RelaySubtree
        do {
            subtree = try JSONCoding.decoder.decode(RelaySubtree.self, from: Data(body))
        } catch {
            throw .invalidField("subtree", "the hub's subtree answer is not {\"node\",\"nodes\",\"policies\"} JSON")
        }
        return try subtree.validated(for: node)
    }
}
