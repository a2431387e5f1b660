/// `upstreams` in a node's `GET /v1/status` (`yiwangctl node`): its `hub` list in order of preference, the one
/// in use, and what each last said. Every key is always present (null when unknown).
public struct UpstreamsStatus: Codable, Sendable, Hashable {
    /// One entry of the list.
    public struct Upstream: Codable, Sendable, Hashable {
        public var url: String
        /// The id it named itself with (`X-Yiwang-Upstream`; `(unnamed hub)`: an older hub); null before it answered.
        public var id: String?
        public var inUse: Bool
        /// The position in its feed the node keeps for it; null: none (moving to it starts with its snapshot).
        public var feedPosition: Int64?
        /// Its last failure, and how long ago; kept after it answers again (`lastAnswerAgeMs` is then smaller).
        public var lastError: String?
        public var lastErrorAgeMs: Int64?
        public var lastAnswerAgeMs: Int64?

        public init(
            url: String, id: String?, inUse: Bool, feedPosition: Int64?, lastError: String?, lastErrorAgeMs: Int64?,
            lastAnswerAgeMs: Int64?
        ) {
            self.url = url
            self.id = id
            self.inUse = inUse
            self.feedPosition = feedPosition
            self.lastError = lastError
            self.lastErrorAgeMs = lastErrorAgeMs
            self.lastAnswerAgeMs = lastAnswerAgeMs
        }

        enum CodingKeys: String, CodingKey {
            case url, id, inUse, feedPosition, lastError, lastErrorAgeMs, lastAnswerAgeMs
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(url, forKey: .url)
            try c.encode(id, forKey: .id)
            try c.encode(inUse, forKey: .inUse)
            try c.encode(feedPosition, forKey: .feedPosition)
            try c.encode(lastError, forKey: .lastError)
            try c.encode(lastErrorAgeMs, forKey: .lastErrorAgeMs)
            try c.encode(lastAnswerAgeMs, forKey: .lastAnswerAgeMs)
        }
    }

    /// The index in `list` of the upstream in use, and its URL.
    public var inUse: Int
    public var url: String
    /// How long until the node tries its first choice again; null while on it.
    public var firstChoiceTryInMs: Int64?
    public var list: [Upstream]

    public init(inUse: Int, url: String, firstChoiceTryInMs: Int64?, list: [Upstream]) {
        self.inUse = inUse
        self.url = url
        self.firstChoiceTryInMs = firstChoiceTryInMs
        self.list = list
    }

    enum CodingKeys: String, CodingKey { case inUse, url, firstChoiceTryInMs, list }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(inUse, forKey: .inUse)
        try c.encode(url, forKey: .url)
        try c.encode(firstChoiceTryInMs, forKey: .firstChoiceTryInMs)
        try c.encode(list, forKey: .list)
    }
}
