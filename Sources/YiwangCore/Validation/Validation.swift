/// Limits and checks on names, keys and values, applied wherever input enters (HTTP, wire, config).
public enum Validation {
    public static let maxKeyBytes = 512
    public static let maxActorBytes = 128
    public static let defaultMaxValueBytes = 1 << 20
    public static let maxJSONDepth = 64

    /// A node id: `[0-9A-Za-z._-]{1,64}` (e.g. an administrative division code).
    public static func nodeID(_ id: String, field: String = "node") throws(YiwangError) {
        try name(id, field: field, what: "node id")
    }

    /// A dataset name: `[0-9A-Za-z._-]{1,64}`.
    public static func dataset(_ name: String, field: String = "dataset") throws(YiwangError) {
        try Self.name(name, field: field, what: "dataset name")
    }

    private static func name(_ text: String, field: String, what: String) throws(YiwangError) {
        let bytes = text.utf8
        guard !bytes.isEmpty, bytes.count <= 64 else {
            throw .invalidField(field, "\(what) must be 1 to 64 characters")
        }
        for byte in bytes where !isNameByte(byte) {
            throw .invalidField(field, "\(what) may hold only letters, digits, '.', '_' and '-'")
        }
    }

    @inline(__always)
    static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2E || b == 0x5F
            || b == 0x2D
    }

    /// A record key: 1 to 512 bytes of UTF-8 with no control characters and no U+FFFD.
    public static func key(_ key: String, field: String = "key") throws(YiwangError) {
        let bytes = key.utf8
        guard !bytes.isEmpty else { throw .invalidField(field, "key must not be empty") }
        guard bytes.count <= maxKeyBytes else {
            throw .invalidField(field, "key is \(bytes.count) bytes, the limit is \(maxKeyBytes)")
        }
        for byte in bytes where byte < 0x20 || byte == 0x7F {
            throw .invalidField(field, "key must not contain control characters")
        }
        if containsReplacement(bytes) { throw .invalidField(field, replacementMessage("key")) }
    }

    /// U+FFFD is what a decoder puts where it found invalid UTF-8 (the HTTP parser does so in paths and
    /// headers): in text that identifies something it is refused, as the invalid bytes would have been.
    static func containsReplacement(_ bytes: String.UTF8View) -> Bool {
        var run = 0  // how many bytes of EF BF BD are matched
        for byte in bytes {
            switch (run, byte) {
            case (_, 0xEF): run = 1
            case (1, 0xBF): run = 2
            case (2, 0xBD): return true
            default: run = 0
            }
        }
        return false
    }

    static func replacementMessage(_ what: String) -> String {
        "\(what) is not valid UTF-8 (it holds U+FFFD, the mark of replaced invalid bytes)"
    }

    /// The actor (official or system account): 1 to 128 bytes, no control characters, no U+FFFD.
    public static func actor(_ actor: String, field: String = "actor") throws(YiwangError) {
        let bytes = actor.utf8
        guard !bytes.isEmpty, bytes.count <= maxActorBytes else {
            throw .invalidField(field, "actor must be 1 to \(maxActorBytes) bytes (send the X-Actor header)")
        }
        for byte in bytes where byte < 0x20 || byte == 0x7F {
            throw .invalidField(field, "actor must not contain control characters")
        }
        if containsReplacement(bytes) { throw .invalidField(field, replacementMessage("actor")) }
    }

    /// A record value: a JSON object of at most `maxBytes`, nested at most `maxJSONDepth` deep.
    public static func value(_ json: String, maxBytes: Int = defaultMaxValueBytes, field: String = "value")
        throws(YiwangError)
    {
        let count = json.utf8.count
        guard count <= maxBytes else { throw .valueTooLarge(bytes: count, limit: maxBytes) }
        try JSONObjectValidator.validate(json, maxDepth: maxJSONDepth, field: field)
    }
}
