import Hummingbird
import YiwangAPI
import YiwangCore
import YiwangHTTP
import YiwangStore

extension EdgeRoutes {
    /// `POST /v1/downlink/resync`: the next pull starts again from the beginning of the hub's feed.
    /// Answers `{"resync":true,"previousCursor":N}`.
    func resyncDownlink() async throws -> Response {
        let previous = try await store.downlinkCursor()
        try await store.resetDownlink()
        return .rawJSON(ResyncAnswer(previousCursor: previous).json)
    }
}

extension DownlinkStatus {
    /// The downlink as the store holds it, ages taken at `nowMs`.
    init(_ summary: DownlinkSummary, nowMs: Int64) {
        self.init(
            cursor: summary.cursor, lag: summary.lag, lastPullMs: summary.lastPullMs,
            lastPullAgeMs: summary.lastPullMs.map { max(0, nowMs.saturatingSubtract($0)) },
            lastError: summary.lastError,
            snapshot: summary.snapshot.map { Snapshot(position: $0.position, records: $0.records) })
    }
}
