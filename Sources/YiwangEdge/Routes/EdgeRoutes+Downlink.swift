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
            snapshot: Self.snapshot(summary))
    }

    /// `paging` with the progress once a page is applied, `pending` while one is still to come, else nil.
    static func snapshot(_ summary: DownlinkSummary) -> Snapshot? {
        if let progress = summary.snapshot {
            return Snapshot(
                state: "paging", position: progress.position, pages: summary.snapshotPages, records: progress.records)
        }
        return summary.snapshotPending ? Snapshot(state: "pending", position: nil, pages: 0, records: 0) : nil
    }
}
