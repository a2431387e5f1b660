import Foundation
import YiwangCore

/// The JSON body of every error: `{"error": CODE, "field": FIELD, "message": ...}`.
public struct ErrorBody: Codable, Sendable {
    public var error: String
    public var field: String?
    public var message: String

    public init(_ error: YiwangError) {
        self.error = error.code.rawValue
        self.field = error.field
        self.message = error.message
    }
}

extension ErrorBody {
    /// The message of the body a Yiwang hub answers for a path it has no route for (every release: Hummingbird's
    /// own 404, rendered by `YiwangErrorMiddleware` as `{"error": "not_found", "message": "Not Found"}`).
    public static let noRouteMessage = "Not Found"

    /// The body of a 404 for a path the server has no route for.
    public static var noRoute: ErrorBody {
        ErrorBody(YiwangError(code: .notFound, message: noRouteMessage))
    }

    /// Whether an answer is a Yiwang hub saying it has no such route (an older hub lacking it), judged on the
    /// whole error body: a 404 a route itself gives (a record, a dataset, a node not found) names what was not
    /// found, and an answer that is not a Yiwang error body (a proxy's page, an empty body) is not the hub's.
    public static func isNoRoute(status: Int, body: [UInt8]) -> Bool {
        guard status == 404, let decoded = try? JSONCoding.decoder.decode(ErrorBody.self, from: Data(body)) else {
            return false
        }
        return decoded.error == YiwangError.Code.notFound.rawValue && decoded.field == nil
            && decoded.message == noRouteMessage
    }
}
