/// An upstream's base URL (an entry of `hub`), checked before use: the node sends its credential there.
enum UpstreamURL {
    /// Longest URL accepted.
    static let maxBytes = 2_048

    /// nil when `url` is usable; else why not (for `hub[i]: ...`).
    static func problem(_ url: String) -> String? {
        let scheme = ["http://", "https://"].first { url.hasPrefix($0) }
        guard let scheme else { return "must be an http:// or https:// URL" }
        guard url.utf8.count <= maxBytes else { return "is over \(maxBytes) bytes" }
        guard url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f }) else {
            return "must be printable ASCII without spaces (percent-encode anything else)"
        }
        let rest = url.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" }
        guard !authority.isEmpty, authority.first != ":" else { return "has no host" }
        guard !authority.contains("@") else {
            return "must not carry a user or password (the node's credential is token_file)"
        }
        guard !url.contains("?"), !url.contains("#") else { return "must not carry a query or a fragment" }
        return nil
    }

    /// Whether two entries name the same upstream (a trailing slash aside; the host in any case).
    static func same(_ a: String, _ b: String) -> Bool {
        normalized(a) == normalized(b)
    }

    private static func normalized(_ url: String) -> [UInt8] {
        var text = url.hasSuffix("/") ? String(url.dropLast()) : url
        if let schemeEnd = text.range(of: "://") {
            let authorityEnd = text[schemeEnd.upperBound...].firstIndex(of: "/") ?? text.endIndex
            text = text[..<authorityEnd].lowercased() + text[authorityEnd...]
        }
        return Array(text.utf8)
    }

    /// `base` + `path`, without a doubled slash.
    static func endpoint(_ base: String, _ path: String) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + path
    }
}
