/// The error every Yiwang component reports: a stable code (sent to clients as `"error"`), the field at fault
/// if any, and a message for people. Messages never carry record values (they are personal data).
public struct YiwangError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }

        public static let invalidField = Code("invalid_field")
        public static let invalidVector = Code("invalid_vector")
        public static let unknownDataset = Code("unknown_dataset")
        public static let unknownNode = Code("unknown_node")
        public static let valueTooLarge = Code("value_too_large")
        public static let malformedBatch = Code("malformed_batch")
        public static let checksumMismatch = Code("checksum_mismatch")
        public static let batchTooLarge = Code("batch_too_large")
        public static let clockAhead = Code("clock_ahead")
        public static let notFound = Code("not_found")
        public static let unauthorized = Code("unauthorized")
        public static let forbidden = Code("forbidden")
        public static let rateLimited = Code("rate_limited")
        public static let unavailable = Code("unavailable")
        public static let requestTimeout = Code("request_timeout")
        public static let invalidConfig = Code("invalid_config")
        public static let storage = Code("storage_error")
        public static let transport = Code("transport_error")
        /// A sequence the hub already holds, resent with different content (a node restored from a backup).
        public static let sequenceReused = Code("sequence_reused")
        /// A change that would be held back, beyond the per-node bound of held changes.
        public static let heldLimit = Code("held_limit")
        /// The parent does not speak this node's sync protocol (`ProtocolVersion`): a hub not yet upgraded.
        public static let protocolMismatch = Code("protocol_mismatch")
        /// The node's feed cursor is older than what the hub's journal still holds (compacted or archived):
        /// it must bootstrap from a snapshot (`GET /v1/snapshot`) before pulling the feed again.
        public static let snapshotRequired = Code("snapshot_required")
        /// A relayed batch whose path is not the topology's (a relay may forward only for its own subtree).
        public static let notInSubtree = Code("not_in_subtree")

        public var description: String { rawValue }
    }

    public let code: Code
    /// The request field, config key or wire element at fault, when there is one.
    public let field: String?
    public let message: String

    public init(code: Code, field: String? = nil, message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String {
        if let field { return "\(code): \(field): \(message)" }
        return "\(code): \(message)"
    }

    public static func invalidField(_ field: String, _ why: String) -> YiwangError {
        YiwangError(code: .invalidField, field: field, message: why)
    }
    public static func invalidVector(_ why: String) -> YiwangError {
        YiwangError(code: .invalidVector, field: "vector", message: why)
    }
    public static func unknownDataset(_ dataset: String) -> YiwangError {
        YiwangError(code: .unknownDataset, field: "dataset", message: "dataset '\(dataset)' is not granted here")
    }
    public static func unknownNode(_ node: String) -> YiwangError {
        YiwangError(code: .unknownNode, field: "node", message: "node '\(node)' is not in the topology")
    }
    public static func valueTooLarge(bytes: Int, limit: Int) -> YiwangError {
        YiwangError(code: .valueTooLarge, field: "value", message: "value is \(bytes) bytes, the limit is \(limit)")
    }
    public static func malformedBatch(_ why: String) -> YiwangError {
        YiwangError(code: .malformedBatch, field: "batch", message: why)
    }
    public static func checksumMismatch() -> YiwangError {
        YiwangError(code: .checksumMismatch, field: "batch", message: "batch checksum does not match its contents")
    }
    public static func batchTooLarge(_ why: String) -> YiwangError {
        YiwangError(code: .batchTooLarge, field: "batch", message: why)
    }
    public static func clockAhead(driftMs: Int64) -> YiwangError {
        YiwangError(
            code: .clockAhead, field: "hlc",
            message: "clock is \(driftMs / 1000)s ahead of this server's; fix the node's time (NTP)")
    }
    public static func notFound(_ what: String) -> YiwangError {
        YiwangError(code: .notFound, message: "\(what) not found")
    }
    public static func unauthorized(_ why: String) -> YiwangError {
        YiwangError(code: .unauthorized, message: why)
    }
    public static func forbidden(_ why: String) -> YiwangError {
        YiwangError(code: .forbidden, message: why)
    }
    public static func rateLimited(_ why: String) -> YiwangError {
        YiwangError(code: .rateLimited, message: why)
    }
    public static func invalidConfig(file: String?, key: String, _ why: String) -> YiwangError {
        YiwangError(code: .invalidConfig, field: key, message: file.map { "\($0): \(why)" } ?? why)
    }
    public static func storage(_ why: String) -> YiwangError {
        YiwangError(code: .storage, message: why)
    }
    public static func transport(_ why: String) -> YiwangError {
        YiwangError(code: .transport, message: why)
    }
    public static func requestTimeout(_ why: String) -> YiwangError {
        YiwangError(code: .requestTimeout, message: why)
    }
    public static func unavailable(_ why: String) -> YiwangError {
        YiwangError(code: .unavailable, message: why)
    }
    public static func sequenceReused(seq: UInt64, highWater: UInt64) -> YiwangError {
        YiwangError(
            code: .sequenceReused, field: "seq",
            message: "sequence \(seq) was already received with different content (was the node's data restored "
                + "from an older copy?); the node re-issues it above \(highWater)")
    }
    public static func heldLimit(node: String, counter: UInt64, limit: Int) -> YiwangError {
        YiwangError(
            code: .heldLimit, field: "vector",
            message: "the vector counts node '\(node)' at \(counter), beyond what the hub holds, and \(limit) "
                + "changes of this node are already held back")
    }
    public static func notInSubtree(_ why: String) -> YiwangError {
        YiwangError(code: .notInSubtree, field: "relay path", message: why)
    }
    public static func protocolMismatch(hub: String, hubVersion: ProtocolVersion, nodeVersion: ProtocolVersion)
        -> YiwangError
    {
        YiwangError(
            code: .protocolMismatch,
            message: "the hub at \(hub) speaks protocol \(hubVersion) (an older Yiwang); this node speaks "
                + "\(nodeVersion): upgrade the hub first (README \"Upgrade\"); nothing is lost, the changes wait in "
                + "the outbox and are sent once the hub is upgraded")
    }
}
