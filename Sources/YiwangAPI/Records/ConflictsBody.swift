import YiwangCore

/// `GET /v1/conflicts`: a page of resolved conflicts, newest first, bounded in count and bytes. The hub writes
/// it as text (`json`), embedding both values as stored; `yiwangctl conflicts` decodes it.
public struct ConflictsBody: Decodable, Sendable, Hashable {
    public struct Entry: Decodable, Sendable, Hashable {
        public var id: Int64
        public var recordedAtMs: Int64
        /// `ConflictRecord.Resolution`'s raw value.
        public var resolution: String
        public var dataset: String
        public var key: String
        public var winner: VersionBody
        public var loser: VersionBody
    }

    public var conflicts: [Entry]
    /// True when the hub holds older ones than this page.
    public var more: Bool
    /// The id to pass as `before` for the next page; nil when there is none.
    public var nextBefore: Int64?

    /// The page's JSON text: `{"conflicts":[...],"more":..,"nextBefore":..}`, each entry's keys in the order of
    /// `Entry` and each side as `RecordJSON.version` writes it (values embedded as stored, never re-parsed).
    public static func json(_ items: [(id: Int64, recordedAtMs: Int64, conflict: ConflictRecord)], more: Bool)
        -> String
    {
        let entries = items.map { item in
            let c = item.conflict
            return "{\"id\":\(item.id),\"recordedAtMs\":\(item.recordedAtMs),\"resolution\":"
                + RecordJSON.quoted(c.resolution.rawValue) + ",\"dataset\":" + RecordJSON.quoted(c.winner.dataset)
                + ",\"key\":" + RecordJSON.quoted(c.winner.key) + ",\"winner\":" + RecordJSON.version(c.winner)
                + ",\"loser\":" + RecordJSON.version(c.loser) + "}"
        }
        let next = more ? items.last.map { "\($0.id)" } ?? "null" : "null"
        return "{\"conflicts\":[" + entries.joined(separator: ",") + "],\"more\":\(more),\"nextBefore\":\(next)}"
    }
}
