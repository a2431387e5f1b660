import YiwangCore
import YiwangHTTP

/// The uplink's transport over the node's upstreams: each batch goes to the one in use (`Upstreams`), whose
/// answer or failure is recorded there. A hub that cannot read this node's protocol counts as a failure of
/// that upstream (another in the list may read it); a 4xx refusal of a batch does not.
public struct UpstreamSyncTransport: SyncTransport {
    let upstreams: Upstreams
    let transports: [CurlSyncTransport]

    public init(upstreams: Upstreams, configuration: CurlHTTPClient.Configuration) {
        self.upstreams = upstreams
        transports = upstreams.urls.map {
            CurlSyncTransport(url: UpstreamURL.endpoint($0, "/v1/sync"), configuration: configuration)
        }
    }

    public func postBatch(_ body: [UInt8], node: String) async throws(YiwangError) -> (status: Int, body: [UInt8]) {
        let index = upstreams.current.index
        let response: CurlHTTPClient.Response
        do {
            response = try await transports[index].post(body, node: node)
        } catch {
            upstreams.failed(index, error.description)
            throw error
        }
        if case .failure(let error) = upstreams.record(
            index, status: response.status, upstreamHeader: response.header(UpstreamAnswer.header)),
            response.status == 200
        {
            throw error  // an acknowledgement from an upstream that names itself wrongly is not believed
        }
        return (response.status, response.body)
    }
}

/// The grants' transport over the node's upstreams: the one in use; and the request that tries the first
/// choice again (`tryUpstream`).
public struct UpstreamGrantsTransport: GrantsTransport {
    let upstreams: Upstreams
    let transports: [CurlGrantsTransport]

    public init(upstreams: Upstreams, configuration: CurlHTTPClient.Configuration) {
        self.upstreams = upstreams
        transports = upstreams.urls.map {
            CurlGrantsTransport(url: CurlGrantsTransport.grantsURL(hubURL: $0), configuration: configuration)
        }
    }

    public func fetchGrants(node: String) async throws(YiwangError) -> (status: Int, body: [UInt8]) {
        let index = upstreams.current.index
        let response = try await fetch(index, node: node)
        return (response.status, response.body)
    }

    /// A relaying city's subtree, from the upstream in use (the province, or the city's own fallback).
    public func fetchRelaySubtree(node: String) async throws(YiwangError) -> (status: Int, body: [UInt8]) {
        let index = upstreams.current.index
        do {
            let answer = try await transports[index].fetchRelaySubtree(node: node)
            if UpstreamAnswer.isFailure(status: answer.status) {
                upstreams.failed(index, "the upstream answered HTTP \(answer.status) to a subtree request")
            }
            return answer
        } catch {
            upstreams.failed(index, error.description)
            throw error
        }
    }

    /// One grants request to upstream `index`, its outcome recorded: how the node tries its first choice
    /// again (a request every upstream serves, authenticated as this node, changing nothing).
    func tryUpstream(_ index: Int, node: String) async {
        _ = try? await fetch(index, node: node)
    }

    private func fetch(_ index: Int, node: String) async throws(YiwangError) -> CurlHTTPClient.Response {
        do {
            let response = try await transports[index].fetch(node: node)
            upstreams.record(index, status: response.status, upstreamHeader: response.header(UpstreamAnswer.header))
            return response
        } catch {
            upstreams.failed(index, error.description)
            throw error
        }
    }
}
