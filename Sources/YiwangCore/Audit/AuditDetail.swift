/// Builds the small JSON object of an audit entry's detail, in a fixed key order (it is hashed, so it must be
/// byte-for-byte reproducible). Values are never record values: at most their SHA-256.
public struct AuditDetail: Sendable {
    private var text = "{"

    public init() {}

    public mutating func add(_ key: String, _ value: String) {
        separate(key)
        text += Self.quoted(value)
    }

    public mutating func add(_ key: String, _ value: Int64) {
        separate(key)
        text += String(value)
    }

    public var json: String { text + "}" }

    private mutating func separate(_ key: String) {
        if text.utf8.count > 1 { text += "," }
        text += Self.quoted(key) + ":"
    }

    /// A JSON string literal.
    public static func quoted(_ value: String) -> String { JSONText.quoted(value) }
}
