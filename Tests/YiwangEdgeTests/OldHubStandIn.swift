import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization
import YiwangCore
import YiwangHTTP

/// A hub of the previous build (043bed4, protocol 1) on a real socket: it answers a batch of a later version
/// exactly as that hub did — status, content type and body byte for byte, and no `X-Yiwang-Protocol` header —
/// and applies version 1 batches through a `FakeHub`. `upgrade()` turns it into a hub of today's build, which
/// reads both versions and names its own on every answer.
final class OldHubStandIn: Sendable {
    /// The 043bed4 hub's answer to a `YWB2` batch, as recorded with `curl -i` from a real one.
    static let oldAnswer = #"{"error":"malformed_batch","field":"batch","message":"not a Yiwang batch (bad magic or version)"}"#
    static let protocolHeader = HTTPField.Name(ProtocolVersion.header)!

    struct Seen: Sendable {
        /// The first four bytes of each batch, and its change count (today's decoder reads both versions).
        var batches: [(magic: String, changes: Int)] = []
        /// The `X-Yiwang-Protocol` header of every request, sync and feed.
        var headers: [String?] = []
        var refused = 0
        var feedPulls = 0
        /// Grants requests answered 404 (the 043bed4 hub has no `/v1/grants`) and answered with grants.
        var grantsMissing = 0
        var grantsServed = 0
    }

    let hub = FakeHub()
    private let upgraded = Atomic<Bool>(false)
    private let seen = Mutex(Seen())

    var snapshot: Seen { seen.withLock { $0 } }
    func upgrade() { upgraded.store(true, ordering: .sequentiallyConsistent) }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        // As the 043bed4 hub: a path it has no route for (`/v1/snapshot`) answers its router's JSON 404.
        router.middlewares.add(YiwangErrorMiddleware())
        router.post("/v1/sync") { request, _ in
            let bytes = Array(try await request.body.collect(upTo: 1 << 24).readableBytesView)
            let upgraded = self.upgraded.load(ordering: .sequentiallyConsistent)
            let changes = (try? BatchCodec.decode(bytes))?.changes.count ?? -1
            self.seen.withLock {
                $0.headers.append(request.headers[Self.protocolHeader])
                $0.batches.append((String(decoding: bytes.prefix(4), as: UTF8.self), changes))
            }
            guard upgraded || bytes.starts(with: ProtocolVersion.v1.magic) else {
                self.seen.withLock { $0.refused += 1 }
                return Self.answer(.badRequest, Array(Self.oldAnswer.utf8), upgraded: false)
            }
            let (status, body) = try await self.hub.postBatch(bytes, node: "")
            return Self.answer(.init(code: status), body, upgraded: upgraded)
        }
        router.get("/v1/grants") { request, _ in
            self.seen.withLock { $0.headers.append(request.headers[Self.protocolHeader]) }
            guard self.upgraded.load(ordering: .sequentiallyConsistent) else {
                self.seen.withLock { $0.grantsMissing += 1 }
                return Response(status: .notFound)  // the old router had no such route: a bare 404
            }
            self.seen.withLock { $0.grantsServed += 1 }
            let grants = #"{"node":"430100","datasets":["population"],"policies":{"population":"lww"}}"#
            return Self.answer(.ok, Array(grants.utf8), upgraded: true)
        }
        router.get("/v1/changes") { request, _ in
            self.seen.withLock {
                $0.headers.append(request.headers[Self.protocolHeader])
                $0.feedPulls += 1
            }
            let empty = SyncBatch(
                node: "430000", firstSeq: 1,
                report: NodeReport(backlog: 0, oldestPendingMs: nil, oldestAfterBatchMs: nil, clockMs: 0, hlc: .zero),
                changes: [])
            var response = Self.answer(.ok, BatchCodec.encode(empty, version: .v1), upgraded: false)
            response.headers[.contentType] = "application/x-yiwang-versions"
            response.headers[HTTPField.Name("X-Yiwang-Cursor")!] = "0"
            response.headers[HTTPField.Name("X-Yiwang-More")!] = "0"
            response.headers[HTTPField.Name("X-Yiwang-Head")!] = "0"
            try await Task.sleep(for: .milliseconds(20))  // a short long-poll
            return response
        }
        return router
    }

    static func answer(_ status: HTTPResponse.Status, _ body: [UInt8], upgraded: Bool) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if upgraded { headers[protocolHeader] = ProtocolVersion.current.description }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Log events kept in memory, for tests that check what the operator reads in the journal.
final class CapturedLog: Sendable {
    struct Event: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let events = Mutex<[Event]>([])
    var all: [Event] { events.withLock { $0 } }

    var logger: Logger {
        Logger(label: "captured") { _ in Handler(log: self) }
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let event = Event(
                level: event.level, message: event.message.description,
                metadata: merged.mapValues { "\($0)" })
            log.events.withLock { $0.append(event) }
        }
    }
}
