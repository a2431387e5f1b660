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
