import YiwangCore

/// An append-only UTF-8 JSON buffer: objects and arrays opened and closed in order, commas placed for the
/// caller, keys given as literals that need no escaping.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    /// True after a complete value, so the next value or key needs a comma before it.
    private var needsComma = false

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    /// `{` or `[`, as a value of its own.
    mutating func open(_ bracket: Unicode.Scalar) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: bracket))
        needsComma = false
    }

    /// `}` or `]`.
    mutating func close(_ bracket: Unicode.Scalar) {
        bytes.append(UInt8(ascii: bracket))
        needsComma = true
    }

    /// `"name":`, the value follows.
    mutating func key(_ name: StaticString) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: "\":".utf8)
        needsComma = false
    }

    mutating func field(_ name: StaticString, _ value: String?) {
        key(name)
        if let value { JSONText.appendQuoted(value, to: &bytes) } else { bytes.append(contentsOf: "null".utf8) }
        needsComma = true
    }

    mutating func field(_ name: StaticString, _ value: (some BinaryInteger)?) {
        key(name)
        if let value, let small = Int64(exactly: value) {
            JSONText.appendDecimal(small, to: &bytes)
        } else if let value {
            bytes.append(contentsOf: String(value).utf8)  // a UInt64 above Int64.max
        } else {
            bytes.append(contentsOf: "null".utf8)
        }
        needsComma = true
    }

    /// An array of strings, or `null`.
    mutating func field(_ name: StaticString, strings: [String]?) {
        key(name)
        guard let strings else {
            bytes.append(contentsOf: "null".utf8)
            needsComma = true
            return
        }
        open("[")
        for (index, text) in strings.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONText.appendQuoted(text, to: &bytes)
        }
        close("]")
    }
}
