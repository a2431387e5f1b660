import Crypto

/// A node's or an operator's bearer token: 32 random bytes, written `yw_` and 64 hex digits. The hub keeps
/// only `hash(token)`, so a copy of its database does not hold any usable credential.
public enum CredentialToken {
    /// The roles a credential can carry.
    public enum Role: String, Sendable, Hashable, CaseIterable, Codable {
        /// A node: may post its own batches (and read its downlink).
        case node
        /// An operator who may read the report, records, conflicts and the audit log.
        case reader
        /// An operator who may also manage credentials over the API.
        case admin
    }

    /// A fresh token from the system's random source.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "yw_" + AuditHash(bytes: bytes).hex
    }

    /// The stored form: SHA-256 of the token's UTF-8 bytes, as 64 hex digits.
    public static func hash(_ token: String) -> String {
        AuditHash.of(token).hex
    }

    /// The token from an `Authorization: Bearer TOKEN` header value, or nil.
    public static func bearer(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = String(parts[1].filter { $0 != " " && $0 != "\t" })
        return token.isEmpty ? nil : token
    }
}
