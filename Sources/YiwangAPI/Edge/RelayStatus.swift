import YiwangCore

/// The `relay` object of a city's `GET /v1/status` when it serves counties (`relay_listen`); null otherwise.
/// Every key is always present (null when unknown).
public struct RelayStatus: Codable, Sendable, Hashable {
    /// One county whose uploads this city received.
    public struct Origin: Codable, Sendable, Hashable {
        public var origin: String
        /// Highest sequence of the county this city holds (acknowledged to it as `highWater`: "relayed").
        public var highWater: UInt64
        /// Highest sequence the province holds, as the city last heard it (the county prunes through this).
        public var heldThrough: UInt64
        /// Entries stored here that the province does not hold yet.
        public var backlog: UInt64
        /// When the county's last batch arrived (city clock, ms).
        public var lastReceivedMs: Int64?

        public init(origin: String, highWater: UInt64, heldThrough: UInt64, backlog: UInt64, lastReceivedMs: Int64?) {
            self.origin = origin
            self.highWater = highWater
            self.heldThrough = heldThrough
            self.backlog = backlog
            self.lastReceivedMs = lastReceivedMs
        }

        enum CodingKeys: String, CodingKey { case origin, highWater, heldThrough, backlog, lastReceivedMs }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(origin, forKey: .origin)
            try c.encode(highWater, forKey: .highWater)
            try c.encode(heldThrough, forKey: .heldThrough)
            try c.encode(backlog, forKey: .backlog)
            try c.encode(lastReceivedMs, forKey: .lastReceivedMs)
        }
    }

    /// The counties the hub handed this city (`GET /v1/relay/subtree`); null before its first answer.
    public var subtreeNodes: Int?
    /// When that answer arrived (city clock, ms).
    public var subtreeReceivedMs: Int64?
    /// The last failure to fetch it, cleared by the next answer.
    public var lastError: String?
    /// Every county that uploaded here, by id.
    public var origins: [Origin]
    /// The sum of the origins' backlogs.
    public var backlog: UInt64

    public init(subtreeNodes: Int?, subtreeReceivedMs: Int64?, lastError: String?, origins: [Origin]) {
        self.subtreeNodes = subtreeNodes
        self.subtreeReceivedMs = subtreeReceivedMs
        self.lastError = lastError
        self.origins = origins
        self.backlog = origins.reduce(0) { $0.saturatingAdd($1.backlog) }
    }

    enum CodingKeys: String, CodingKey { case subtreeNodes, subtreeReceivedMs, lastError, origins, backlog }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(subtreeNodes, forKey: .subtreeNodes)
        try c.encode(subtreeReceivedMs, forKey: .subtreeReceivedMs)
        try c.encode(lastError, forKey: .lastError)
        try c.encode(origins, forKey: .origins)
        try c.encode(backlog, forKey: .backlog)
    }
}
