import HTTPTypes
import Hummingbird
import YiwangCore

/// Names this build's sync protocol version (`X-Yiwang-Protocol`) on every answer: every route, its errors,
/// and the router's 404s. A node tells a hub that lacks the header from an upgraded one by it, so it must be
/// the outermost middleware of the router: it renders any error that reaches it the way Hummingbird's server
/// would (an `HTTPResponseError` as its own response, anything else as an empty 500), with the header.
/// Given `upstreamID`, every answer also names the upstream (`X-Yiwang-Upstream`, `UpstreamAnswer`): a node
/// keeps its feed position per upstream by it.
public struct ProtocolHeaderMiddleware<Context: RequestContext>: RouterMiddleware {
    public static var headerName: HTTPField.Name { HTTPField.Name(ProtocolVersion.header)! }
    public static var upstreamHeaderName: HTTPField.Name { HTTPField.Name(UpstreamAnswer.header)! }

    /// The id this server answers as an upstream: the hub's topology id (a relay: its node id).
    public let upstreamID: String?

    public init(upstreamID: String? = nil) {
        self.upstreamID = upstreamID
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["yiwang.error_type": "\(type(of: error))"])
            response = Response(status: .internalServerError, body: .init())
        }
        response.headers[Self.headerName] = ProtocolVersion.current.description
        if let upstreamID { response.headers[Self.upstreamHeaderName] = upstreamID }
        return response
    }
}
