import HTTPTypes
import Hummingbird
import NIOCore
import YiwangCore
import YiwangHTTP
import YiwangStore

extension HubRoutes {
    /// The response header carrying the last hub sequence scanned: the node's next `since`.
    public static let cursorHeader = HTTPField.Name("X-Yiwang-Cursor")!
    /// `1` when the feed holds more after the cursor (pull again at once), else `0`.
    public static let moreHeader = HTTPField.Name("X-Yiwang-More")!
    /// The highest hub sequence when the page was read (head minus cursor is the node's lag).
    public static let headHeader = HTTPField.Name("X-Yiwang-Head")!
    /// `1` when the page starts again from the beginning of the feed because the node's cursor was past the
    /// head (the hub was restored from an older copy): the only answer whose cursor may move backwards.
    public static let resetHeader = HTTPField.Name("X-Yiwang-Reset")!
    /// The media type of `GET /v1/changes` bodies: a `VersionListCodec` list (deflated when large).
    public static let versionsContentType = "application/x-yiwang-versions"

    /// `GET /v1/changes?since=CURSOR&limit=N&wait=SECONDS` with `X-Yiwang-Node: ID`: the feed for that node.
    static func changes(_ request: Request, context: HubRequestContext, hub: ProvinceHub) async throws -> Response {
        guard let node = context.identity?.name else {
            throw YiwangError.invalidField("X-Yiwang-Node", "the header naming the pulling node is required")
        }
        let query = request.uri.queryParameters
        let since = try integer(query["since"], name: "since", default: 0, range: 0...Int64.max)
        let limit = try integer(query["limit"], name: "limit", default: 1000, range: 1...10_000)
        let wait = min(
            try integer(query["wait"], name: "wait", default: 0, range: 0...86_400),
            Int64(ProvinceHub.maxFeedWaitSeconds))
        let page = try await hub.changes(node: node, since: since, limit: Int(limit), waitMs: wait * 1000)
        let batch = SyncBatch(
            node: hub.topology.hub.id, firstSeq: 1,
            report: NodeReport(backlog: 0, oldestPendingMs: nil, oldestAfterBatchMs: nil, clockMs: 0, hlc: .zero),
            changes: page.versions.enumerated().map { Change(seq: UInt64($0.offset + 1), version: $0.element) })
        // Decodable by `VersionListCodec.decode`; deflated only when it pays.
        let bytes = BatchCodec.encode(batch, compress: page.versions.count > 4)
        var buffer = ByteBuffer()
        buffer.writeBytes(bytes)
        var headers: HTTPFields = [
            .contentType: versionsContentType, cursorHeader: "\(page.cursor)", moreHeader: page.more ? "1" : "0",
            headHeader: "\(page.head)",
        ]
        if page.reset { headers[resetHeader] = "1" }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
    }

    static func integer(_ text: Substring?, name: String, default value: Int64, range: ClosedRange<Int64>)
        throws(YiwangError) -> Int64
    {
        guard let text else { return value }
        guard let parsed = Int64(text), range.contains(parsed) else {
            throw .invalidField(name, "\(name) must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return parsed
    }
}
