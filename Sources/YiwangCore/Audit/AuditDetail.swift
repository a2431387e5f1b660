/// Builds the small JSON object of an audit entry's detail, in a fixed key order (it is hashed, so it must be
/// byte-for-byte reproducible). Values are never record values: at most their SHA-256.
///
/// Written into a byte buffer that is always a closed object: the hub builds one per applied change and hashes
/// and stores those bytes as they are (`jsonBytes`), without making a `String` of them.
public struct AuditDetail: Sendable {
    /// The object so far, `}` included.
    public private(set) var jsonBytes: [UInt8]

    public init() {
        jsonBytes = [UInt8(ascii: "{")]
        jsonBytes.reserveCapacity(256)
        jsonBytes.append(UInt8(ascii: "}"))
    }

    public mutating func add(_ key: String, _ value: String) {
        open(key)
        JSONText.appendQuoted(value, to: &jsonBytes)
        close()
    }

    public mutating func add(_ key: String, _ value: Int64) {
        open(key)
        JSONText.appendDecimal(value, to: &jsonBytes)
        close()
    }

    /// `key` with the vector's text (`VersionVector.description`) as a string, written entry by entry.
    public mutating func add(_ key: String, vector: VersionVector) {
        open(key)
        jsonBytes.append(UInt8(ascii: "\""))
        for (index, entry) in vector.entries.enumerated() {
            if index > 0 { jsonBytes.append(UInt8(ascii: ",")) }
            JSONText.appendEscaped(entry.node, to: &jsonBytes)
            jsonBytes.append(UInt8(ascii: ":"))
            JSONText.appendDecimal(entry.counter, to: &jsonBytes)
        }
        jsonBytes.append(UInt8(ascii: "\""))
        close()
    }

    /// `key` with an array of strings, e.g. a relayed change's path.
    public mutating func add(_ key: String, strings: [String]) {
        open(key)
        jsonBytes.append(UInt8(ascii: "["))
        for (index, text) in strings.enumerated() {
            if index > 0 { jsonBytes.append(UInt8(ascii: ",")) }
            JSONText.appendQuoted(text, to: &jsonBytes)
        }
        jsonBytes.append(UInt8(ascii: "]"))
        close()
    }

    /// `key` with the hash's hex digits (`AuditHash.hex`) as a string.
    public mutating func add(_ key: String, hash: AuditHash) {
        open(key)
        jsonBytes.append(UInt8(ascii: "\""))
        JSONText.appendHex(hash.bytes, to: &jsonBytes)
        jsonBytes.append(UInt8(ascii: "\""))
        close()
    }

    public var json: String { String(decoding: jsonBytes, as: UTF8.self) }

    /// Reopens the object for one more member: drops the `}`, then the separator and the quoted key.
    private mutating func open(_ key: String) {
        jsonBytes.removeLast()
        if jsonBytes.count > 1 { jsonBytes.append(UInt8(ascii: ",")) }
        JSONText.appendQuoted(key, to: &jsonBytes)
        jsonBytes.append(UInt8(ascii: ":"))
    }

    private mutating func close() { jsonBytes.append(UInt8(ascii: "}")) }

    /// A JSON string literal.
    public static func quoted(_ value: String) -> String { JSONText.quoted(value) }
}
