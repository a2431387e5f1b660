/// Whether a listen address is a loopback one: the single check behind every "only on loopback" rule (the
/// hub's `auth: off` and plain HTTP, the edge's open local API).
///
/// Accepted: `localhost` (any case), an IPv4 literal in 127.0.0.0/8 written as four decimal octets (no
/// leading zeros: `0177.0.0.1` is octal to `inet_aton`), and the IPv6 loopback `::1` in any spelling
/// (`0:0:0:0:0:0:0:1`, `0000::0001`, `[::1]`, or the IPv4-mapped `::ffff:127.x.y.z`). Everything else is
/// not loopback, including host names that merely start with `127.` (`127.evil.example`), zone ids and the
/// shorthand `127.1`: refusing an odd spelling costs an operator a config edit, accepting one could open a
/// network port.
public enum LoopbackAddress {
    public static func contains(_ host: String) -> Bool {
        var text = Substring(host)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if text.lowercased() == "localhost" { return true }
        if let octets = ipv4(text) { return octets[0] == 127 }
        guard let groups = ipv6(text) else { return false }
        if groups[0..<7].allSatisfy({ $0 == 0 }) && groups[7] == 1 { return true }
        // ::ffff:127.x.y.z, the IPv4 loopback as an IPv6 socket sees it.
        return groups[0..<5].allSatisfy({ $0 == 0 }) && groups[5] == 0xffff && groups[6] >> 8 == 127
    }

    /// Four decimal octets 0...255 without leading zeros, or nil.
    static func ipv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                return nil
            }
            guard part == "0" || !part.hasPrefix("0"), let value = UInt8(part) else { return nil }
            octets.append(value)
        }
        return octets
    }

    /// The eight 16-bit groups of an IPv6 literal (one `::` at most, an IPv4 tail allowed), or nil.
    static func ipv6(_ text: Substring) -> [UInt16]? {
        guard text.utf8.count <= 45, text.contains(":") else { return nil }
        let halves = doubleColonHalves(text)
        guard halves.count <= 2 else { return nil }
        func groups(_ part: Substring) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, field) in fields.enumerated() {
                if index == fields.count - 1, field.contains(".") {
                    guard let v4 = ipv4(field) else { return nil }
                    result.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                    result.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                    continue
                }
                guard (1...4).contains(field.utf8.count), let value = UInt16(field, radix: 16),
                    field.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) })
                else { return nil }
                result.append(value)
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 8 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count <= 7 else { return nil }
        return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
    }

    /// `text` split at each `::` (`a::b` -> [a, b]; a third `:` next to one makes a part start or end with `:`,
    /// which the group parser refuses).
    static func doubleColonHalves(_ text: Substring) -> [Substring] {
        var parts: [Substring] = []
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(after: index)
            if text[index] == ":", next < text.endIndex, text[next] == ":" {
                parts.append(text[start..<index])
                start = text.index(after: next)
                index = start
            } else {
                index = next
            }
        }
        parts.append(text[start...])
        return parts
    }
}
