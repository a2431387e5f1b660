import Foundation
import YiwangCore

/// One line of a bulk JSON Lines request: `{"key":..,"value":{..}}` or `{"key":..,"delete":true}`.
/// Scanned without building a JSON tree, so the value's text is kept exactly as sent (then validated).
struct BulkLine {
    var key: String
    /// The value's JSON text for a put; nil for a delete.
    var value: String?

    /// Parses one line; errors name the line number and the field.
    static func parse(_ line: some Sequence<UInt8>, number: Int, maxValueBytes: Int) throws(YiwangError) -> BulkLine {
        func bad(_ field: String, _ why: String) -> YiwangError { .invalidField(field, "line \(number): \(why)") }
        let bytes = Array(line)
        // Invalid UTF-8 is refused, never decoded with U+FFFD in place of the bytes (issue 13 class 4).
        guard String(validating: bytes, as: UTF8.self) != nil else { throw bad("body", "not valid UTF-8") }
        var scanner = JSONSpanScanner(bytes: bytes)
        guard let members = scanner.topLevelMembers() else {
            throw bad(
                "line", "not a JSON object (expected {\"key\":..,\"value\":{..}} or {\"key\":..,\"delete\":true})")
        }
        var key: String?
        var value: String?
        var delete = false
        for (name, span) in members {
            let text = String(decoding: bytes[span], as: UTF8.self)
            switch name {
            case "key":
                do { try JSONObjectValidator.validateString(text, field: "key") } catch {
                    throw bad("key", "key \(error.message)")
                }
                guard let decoded = JSONSpanScanner.decodeString(text) else { throw bad("key", "key must be a string") }
                key = decoded
            case "value":
                value = text
            case "delete":
                guard text == "true" || text == "false" else { throw bad("delete", "delete must be true or false") }
                delete = text == "true"
            default:
                throw bad(name, "unknown field '\(name)' (allowed: key, value, delete)")
            }
        }
        guard let key else { throw bad("key", "key is missing") }
        do { try Validation.key(key) } catch { throw bad("key", error.message) }
        if delete {
            guard value == nil else { throw bad("value", "a delete carries no value") }
            return BulkLine(key: key, value: nil)
        }
        guard let value else { throw bad("value", "value is missing (or send \"delete\":true)") }
        do {
            try Validation.value(value, maxBytes: maxValueBytes)
        } catch {
            throw YiwangError(code: error.code, field: "value", message: "line \(number): \(error.message)")
        }
        return BulkLine(key: key, value: value)
    }
}

/// Finds the raw text spans of a JSON object's top-level members. Structural only: values are checked
/// afterwards by the strict validator.
struct JSONSpanScanner {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func topLevelMembers() -> [(String, Range<Int>)]? {
        skipSpace()
        guard next() == UInt8(ascii: "{") else { return nil }
        var members: [(String, Range<Int>)] = []
        skipSpace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return atEnd() ? members : nil
        }
        while true {
            skipSpace()
            guard let nameSpan = skipString(),
                let name = Self.decodeString(String(decoding: bytes[nameSpan], as: UTF8.self))
            else { return nil }
            skipSpace()
            guard next() == UInt8(ascii: ":") else { return nil }
            skipSpace()
            let start = index
            guard skipValue() else { return nil }
            members.append((name, start..<index))
            skipSpace()
            switch next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "}"): return atEnd() ? members : nil
            default: return nil
            }
        }
    }

    static func decodeString(_ text: String) -> String? {
        guard text.utf8.first == UInt8(ascii: "\""), text.utf8.count >= 2 else { return nil }
        if !text.utf8.contains(UInt8(ascii: "\\")) { return String(text.dropFirst().dropLast()) }
        return try? JSONDecoder().decode(String.self, from: Data(text.utf8))
    }

    private mutating func atEnd() -> Bool {
        skipSpace()
        return index == bytes.count
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func next() -> UInt8? {
        guard index < bytes.count else { return nil }
        defer { index += 1 }
        return bytes[index]
    }

    private mutating func skipSpace() {
        while let b = peek(), b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { index += 1 }
    }

    /// Skips a string starting at the cursor and returns its span, quotes included.
    private mutating func skipString() -> Range<Int>? {
        let start = index
        guard next() == UInt8(ascii: "\"") else { return nil }
        while let b = next() {
            if b == UInt8(ascii: "\\") {
                guard next() != nil else { return nil }
            } else if b == UInt8(ascii: "\"") {
                return start..<index
            }
        }
        return nil
    }

    private mutating func skipValue() -> Bool {
        guard let first = peek() else { return false }
        if first == UInt8(ascii: "\"") { return skipString() != nil }
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            var depth = 0
            while let b = peek() {
                if b == UInt8(ascii: "\"") {
                    guard skipString() != nil else { return false }
                    continue
                }
                index += 1
                if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") { depth += 1 }
                if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                    depth -= 1
                    if depth == 0 { return true }
                }
            }
            return false
        }
        let start = index
        while let b = peek(), b != UInt8(ascii: ","), b != UInt8(ascii: "}"), b != 0x20, b != 0x09, b != 0x0A, b != 0x0D
        {
            index += 1
        }
        return index > start
    }
}
