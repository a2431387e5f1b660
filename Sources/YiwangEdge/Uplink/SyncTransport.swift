import Foundation
import YiwangCore
import YiwangHTTP

/// What the uplink needs from the network: POST one encoded batch, get the status and body back.
/// Transport failures (refused, timed out, TLS) throw `YiwangError` with code `.transport`; a hub that cannot
/// read this node's protocol version (`ProtocolMismatch`) throws `.protocolMismatch`, never an answer the
/// uplink would take as a refusal of the batch.
public protocol SyncTransport: Sendable {
    func postBatch(_ body: [UInt8], node: String) async throws(YiwangError) -> (status: Int, body: [UInt8])
}

/// The production transport: libcurl, one reused connection to the hub. Every request names this node's
/// protocol version in `X-Yiwang-Protocol`.
public struct CurlSyncTransport: SyncTransport {
    public let url: String
    let client: CurlHTTPClient

    public init(url: String, configuration: CurlHTTPClient.Configuration) {
        self.url = url
        self.client = CurlHTTPClient(configuration: configuration)
    }

    public func postBatch(_ body: [UInt8], node: String) async throws(YiwangError) -> (status: Int, body: [UInt8]) {
        let response = try await post(body, node: node)
        return (response.status, response.body)
    }

    /// The hub's whole answer (headers too: `X-Yiwang-Upstream`), or the protocol mismatch it tells of.
    func post(_ body: [UInt8], node: String) async throws(YiwangError) -> CurlHTTPClient.Response {
        let response = try await client.send(
            method: "POST", url: url,
            headers: [
                ("Content-Type", "application/x-yiwang-batch"), ("X-Yiwang-Node", node),
                (ProtocolVersion.header, ProtocolVersion.current.description),
            ],
            body: body)
        if response.status == 400, let mismatch = Self.mismatch(response, url: url, sent: body) { throw mismatch }
        return response
    }

    /// The protocol mismatch a 400 answer tells of, for the version the batch was written in.
    static func mismatch(_ response: CurlHTTPClient.Response, url: String, sent body: [UInt8]) -> YiwangError? {
        let error = try? JSONCoding.decoder.decode(ErrorBody.self, from: Data(response.body.prefix(64 << 10)))
        return ProtocolMismatch.check(
            status: response.status, header: response.header(ProtocolVersion.header), errorCode: error?.error,
            message: error?.message, hub: url, sent: ProtocolVersion.of(magic: body) ?? .current)
    }
}
