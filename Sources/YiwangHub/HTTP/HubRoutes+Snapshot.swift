import HTTPTypes
import Hummingbird
import NIOCore
import YiwangCore
import YiwangHTTP
import YiwangStore

extension HubRoutes {
    /// The media type of `GET /v1/snapshot` bodies: a `SnapshotCodec` page (deflated when large).
    public static let snapshotContentType = "application/x-yiwang-snapshot"
    /// The snapshot's position P (also in the body): the node's feed cursor after the last page.
    public static let positionHeader = HTTPField.Name("X-Yiwang-Position")!

    /// `GET /v1/snapshot?position=P&after=TOKEN&limit=N` with `X-Yiwang-Node: ID`: one page of the snapshot of
    /// the node's granted datasets. Without `position` (and `after`) it starts a snapshot at the feed's head.
    static func snapshot(_ request: Request, context: HubRequestContext, hub: ProvinceHub) async throws -> Response {
        guard let node = context.identity?.name else {
            throw YiwangError.invalidField("X-Yiwang-Node", "the header naming the pulling node is required")
        }
        let query = request.uri.queryParameters
        let limit = try integer(query["limit"], name: "limit", default: 1000, range: 1...10_000)
        let position = try query["position"].map { text throws(YiwangError) -> Int64 in
            guard let value = Int64(text), value >= 0 else {
                throw .invalidField("position", "position must be an integer in 0...\(Int64.max)")
            }
            return value
        }
        let after = try query["after"].map { text throws(YiwangError) in try SnapshotToken(parsing: text) }
        let page = try await hub.snapshot(node: node, position: position, after: after, limit: Int(limit))
        var buffer = ByteBuffer()
        buffer.writeBytes(SnapshotCodec.encode(page, compress: true))
        let headers: HTTPFields = [
            .contentType: snapshotContentType, positionHeader: "\(page.position)",
            moreHeader: page.next == nil ? "0" : "1", headHeader: "\(page.readAt)",
        ]
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
    }
}
