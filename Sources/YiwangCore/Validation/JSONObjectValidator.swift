/// A strict RFC 8259 checker that a text is one JSON object, nested at most `maxDepth` deep, whose strings
/// hold only characters (no lone surrogate escapes). It allocates
/// nothing and never recurses past `maxDepth`, so hostile input costs one pass over its bytes.
public enum JSONObjectValidator {
    public static func validate(_ text: String, maxDepth: Int, field: String = "value") throws(YiwangError) {
        var text = text
        let error: String? = text.withUTF8 { bytes in
            var parser = Parser(bytes: bytes, maxDepth: maxDepth)
            return parser.run()
        }
        if let error { throw .invalidField(field, error) }
    }

    /// Checks that `literal` is exactly one JSON string literal (quotes included), with no lone surrogate.
    public static func validateString(_ literal: String, field: String) throws(YiwangError) {
        var literal = literal
        let error: String? = literal.withUTF8 { bytes in
            var parser = Parser(bytes: bytes, maxDepth: 1)
            guard parser.peek() == UInt8(ascii: "\"") else { return "must be a JSON string" }
            if let error = parser.string() { return error }
            return parser.index == bytes.count ? nil : "must be a JSON string"
        }
        if let error { throw .invalidField(field, error) }
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        let maxDepth: Int
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        mutating func run() -> String? {
            skipSpace()
            guard peek() == UInt8(ascii: "{") else { return "must be a JSON object" }
            if let error = value(depth: 1) { return error }
            skipSpace()
            return index == bytes.count ? nil : "unexpected bytes after the JSON object at offset \(index)"
        }

        func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipSpace() {
            while let b = peek(), b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { index += 1 }
        }

        mutating func value(depth: Int) -> String? {
            skipSpace()
            guard let b = peek() else { return "unexpected end of JSON" }
            switch b {
            case UInt8(ascii: "{"): return object(depth: depth)
            case UInt8(ascii: "["): return array(depth: depth)
            case UInt8(ascii: "\""): return string()
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
            default: return "unexpected character at offset \(index)"
            }
        }

        mutating func object(depth: Int) -> String? {
            if depth > maxDepth { return "nested deeper than \(maxDepth) levels" }
            index += 1
            skipSpace()
            if peek() == UInt8(ascii: "}") {
                index += 1
                return nil
            }
            while true {
                skipSpace()
                guard peek() == UInt8(ascii: "\"") else { return "expected an object key at offset \(index)" }
                if let error = string() { return error }
                skipSpace()
                guard peek() == UInt8(ascii: ":") else { return "expected ':' at offset \(index)" }
                index += 1
                if let error = value(depth: depth + 1) { return error }
                skipSpace()
                switch peek() {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"):
                    index += 1
                    return nil
                default: return "expected ',' or '}' at offset \(index)"
                }
            }
        }

        mutating func array(depth: Int) -> String? {
            if depth > maxDepth { return "nested deeper than \(maxDepth) levels" }
            index += 1
            skipSpace()
            if peek() == UInt8(ascii: "]") {
                index += 1
                return nil
            }
            while true {
                if let error = value(depth: depth + 1) { return error }
                skipSpace()
                switch peek() {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"):
                    index += 1
                    return nil
                default: return "expected ',' or ']' at offset \(index)"
                }
            }
        }

        mutating func string() -> String? {
            index += 1
            while let b = peek() {
                index += 1
                switch b {
                case UInt8(ascii: "\""): return nil
                case UInt8(ascii: "\\"):
                    guard let e = peek() else { return "unterminated string" }
                    index += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                        UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        continue
                    case UInt8(ascii: "u"):
                        if let error = unicodeEscape() { return error }
                    default: return "bad escape at offset \(index - 1)"
                    }
                case 0..<0x20: return "control character in string at offset \(index - 1)"
                default: continue
                }
            }
            return "unterminated string"
        }

        /// The four hex digits after `\u` (the cursor is on the first), and for a high surrogate the `\uDC00`-
        /// `\uDFFF` escape that must follow it: a lone or reversed surrogate is no character, and decoders would
        /// replace it with U+FFFD (RFC 8259 section 8.2).
        mutating func unicodeEscape() -> String? {
            let start = index - 2
            guard let unit = hex4() else { return "bad \\u escape at offset \(index)" }
            switch unit {
            case 0xD800...0xDBFF:
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                else { return "lone surrogate escape at offset \(start)" }
                index += 2
                guard let low = hex4() else { return "bad \\u escape at offset \(index)" }
                guard (0xDC00...0xDFFF).contains(low) else { return "lone surrogate escape at offset \(start)" }
                return nil
            case 0xDC00...0xDFFF: return "lone surrogate escape at offset \(start)"
            default: return nil
            }
        }

        mutating func hex4() -> UInt32? {
            var unit: UInt32 = 0
            for _ in 0..<4 {
                guard let h = peek(), isHex(h) else { return nil }
                unit = unit << 4 | UInt32(h <= 0x39 ? h - 0x30 : (h | 0x20) - 0x61 + 10)
                index += 1
            }
            return unit
        }

        func isHex(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
        }

        mutating func digits() -> Int {
            let start = index
            while let b = peek(), b >= 0x30 && b <= 0x39 { index += 1 }
            return index - start
        }

        mutating func number() -> String? {
            let start = index
            if peek() == UInt8(ascii: "-") { index += 1 }
            if peek() == UInt8(ascii: "0") {
                index += 1
            } else if digits() == 0 {
                return "bad number at offset \(start)"
            }
            if peek() == UInt8(ascii: ".") {
                index += 1
                if digits() == 0 { return "bad number at offset \(start)" }
            }
            if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
                index += 1
                if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
                if digits() == 0 { return "bad number at offset \(start)" }
            }
            return nil
        }

        mutating func literal(_ word: StaticString) -> String? {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return "unexpected end of JSON" }
            for i in 0..<count where bytes[index + i] != word.utf8Start[i] {
                return "unexpected character at offset \(index + i)"
            }
            index += count
            return nil
        }
    }
}
