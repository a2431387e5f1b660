import Hummingbird
import YiwangCore
import YiwangHTTP
import YiwangStore

extension EdgeRoutes {
    /// `POST /v1/downlink/resync`: the next pull starts again from the beginning of the hub's feed.
    /// Answers `{"resync":true,"previousCursor":N}`.
    func resyncDownlink() async throws -> Response {
        let previous = try store.downlinkCursor()
        try await store.resetDownlink()
        return .rawJSON("{\"resync\":true,\"previousCursor\":\(previous)}")
    }
}

/// The `downlink` object of `GET /v1/status`. Every key is always present (null when unknown).
struct DownlinkStatus: Encodable, Sendable {
    /// The hub feed sequence applied through.
    var cursor: Int64
    /// The hub feed's head minus the cursor, as of the last pull; null before the first.
    var lag: Int64?
    /// When the last pull was answered (node clock, ms).
    var lastPullMs: Int64?
    /// Time since that pull.
    var lastPullAgeMs: Int64?
    var lastError: String?

    init(_ summary: DownlinkSummary, nowMs: Int64) {
        cursor = summary.cursor
        lag = summary.lag
        lastPullMs = summary.lastPullMs
        lastPullAgeMs = summary.lastPullMs.map { max(0, nowMs.saturatingSubtract($0)) }
        lastError = summary.lastError
    }

    enum CodingKeys: String, CodingKey { case cursor, lag, lastPullMs, lastPullAgeMs, lastError }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(cursor, forKey: .cursor)
        try c.encode(lag, forKey: .lag)
        try c.encode(lastPullMs, forKey: .lastPullMs)
        try c.encode(lastPullAgeMs, forKey: .lastPullAgeMs)
        try c.encode(lastError, forKey: .lastError)
    }
}
