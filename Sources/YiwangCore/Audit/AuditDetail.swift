/// Builds the small JSON object of an audit entry's detail, in a fixed key order (it is hashed, so it must be
/// byte-for-byte reproducible). Values are never record values: at most their SHA-256.
///
/// Written into a byte buffer: the hub builds one per applied change, and appending to a `String` piece by
/// piece was most of the audit's CPU.
public struct AuditDetail: Sendable {
    private var bytes: [UInt8]

    public init() {
        bytes = [UInt8(ascii: "{")]
        bytes.reserveCapacity(256)
    }

    public mutating func add(_ key: String, _ value: String) {
        separate(key)
        JSONText.appendQuoted(value, to: &bytes)
    }

    public mutating func add(_ key: String, _ value: Int64) {
        separate(key)
        JSONText.appendDecimal(value, to: &bytes)
    }

    public var json: String {
        var closed = bytes
        closed.append(UInt8(ascii: "}"))
        return String(decoding: closed, as: UTF8.self)
    }

    private mutating func separate(_ key: String) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        JSONText.appendQuoted(key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    /// A JSON string literal.
    public static func quoted(_ value: String) -> String { JSONText.quoted(value) }
}
