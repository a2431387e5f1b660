import YiwangCore

/// A node's `GET /v1/quarantine`: the changes the hub refused, with its reason. The node writes it as text
/// (`json`, each entry a version as `RecordJSON.version` writes it plus `seq`, `reason`, `committedAtMs`);
/// `yiwangctl quarantine list` decodes it.
public struct QuarantineBody: Decodable, Sendable, Hashable {
    public struct Entry: Decodable, Sendable, Hashable {
        /// The entry's outbox seq (what `requeue` and `drop` take).
        public var seq: UInt64
        /// The hub's reason for refusing it.
        public var reason: String
        public var committedAtMs: Int64
        /// The refused version, read from the same object (its value stays out of the reader's hands).
        public var version: VersionBody

        private enum CodingKeys: String, CodingKey { case seq, reason, committedAtMs }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            seq = try container.decode(UInt64.self, forKey: .seq)
            reason = try container.decode(String.self, forKey: .reason)
            committedAtMs = try container.decode(Int64.self, forKey: .committedAtMs)
            version = try VersionBody(from: decoder)
        }
    }

    public var quarantined: [Entry]

    /// `{"quarantined":[...]}`, values embedded as stored.
    public static func json(_ items: [(version: Version, seq: UInt64, reason: String?, committedAtMs: Int64)])
        -> String
    {
        let entries = items.map { item in
            RecordJSON.version(
                item.version,
                extra: [
                    ("seq", "\(item.seq)"), ("reason", RecordJSON.quoted(item.reason ?? "")),
                    ("committedAtMs", "\(item.committedAtMs)"),
                ])
        }
        return "{\"quarantined\":[" + entries.joined(separator: ",") + "]}"
    }
}
