import YiwangCore
import YiwangHTTP

/// What the uplink needs from the network: POST one encoded batch, get the status and body back.
/// Transport failures (refused, timed out, TLS) throw `YiwangError` with code `.transport`.
public protocol SyncTransport: Sendable {
    func postBatch(_ body: [UInt8], node: String) async throws(YiwangError) -> (status: Int, body: [UInt8])
}

/// The production transport: libcurl, one reused connection to the hub.
public struct CurlSyncTransport: SyncTransport {
    public let url: String
    let client: CurlHTTPClient

    public init(url: String, configuration: CurlHTTPClient.Configuration) {
        self.url = url
        self.client = CurlHTTPClient(configuration: configuration)
    }

    public func postBatch(_ body: [UInt8], node: String) async throws(YiwangError) -> (status: Int, body: [UInt8]) {
        let response = try await client.send(
            method: "POST", url: url,
            headers: [("Content-Type", "application/x-yiwang-batch"), ("X-Yiwang-Node", node)], body: body)
        return (response.status, response.body)
    }
}
