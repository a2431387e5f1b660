import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import YiwangAPI
import YiwangCore

extension YiwangError.Code {
    /// The HTTP status an error code maps to; decided here, at the route edge, and nowhere else.
    public var httpStatus: HTTPResponse.Status {
        switch self {
        case .invalidField, .invalidVector, .malformedBatch, .checksumMismatch, .clockAhead: .badRequest
        case .unknownDataset, .notFound: .notFound
        case .unknownNode, .forbidden, .notInSubtree: .forbidden
        case .unauthorized: .unauthorized
        case .rateLimited: .tooManyRequests
        case .valueTooLarge, .batchTooLarge: .contentTooLarge
        case .snapshotRequired: .gone
        case .unavailable: .serviceUnavailable
        case .requestTimeout: .requestTimeout
        case .transport: .badGateway
        default: .internalServerError
        }
    }
}

/// Renders a `YiwangError` thrown by a route as its JSON error body and status.
public struct YiwangErrorResponse: HTTPResponseError {
    public let error: YiwangError
    public init(_ error: YiwangError) { self.error = error }

    public var status: HTTPResponse.Status { error.code.httpStatus }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response.json(ErrorBody(error), status: status)
    }
}

/// Turns `YiwangError`s (and Hummingbird's own errors) thrown below it into JSON error responses.
public struct YiwangErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as YiwangError {
            return Response.json(ErrorBody(error), status: error.code.httpStatus)
        } catch let error as HTTPError where error.status == .notFound && error.body == nil {
            // The router's own 404 (no route for the path): the one body a node reads as "this hub lacks the
            // route" (`ErrorBody.isNoRoute`), the same as every earlier release answered.
            return Response.json(ErrorBody.noRoute, status: .notFound)
        } catch let error as HTTPError {
            let code: YiwangError.Code =
                switch error.status {
                case .notFound: .notFound
                case .contentTooLarge: .valueTooLarge
                case .unauthorized: .unauthorized
                case .forbidden: .forbidden
                default: .invalidField
                }
            let body = ErrorBody(YiwangError(code: code, message: error.body ?? error.status.reasonPhrase))
            return Response.json(body, status: error.status)
        }
    }
}

extension Response {
    /// A JSON response from an `Encodable` value (keys sorted, so output is stable).
    public static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        jsonLine((try? JSONCoding.encoder.encode(value)) ?? Data("{}".utf8), status: status)
    }
}
