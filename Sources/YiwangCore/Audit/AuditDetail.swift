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
    public static func quoted(_ value: String) -> String {
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + value + "\""  // the common case: nothing to escape
        }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
