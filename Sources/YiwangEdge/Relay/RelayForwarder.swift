import Foundation
import YiwangCore
import YiwangHTTP

/// The city's client for its counties' streams: builds the relayed batch (the county's batch unchanged, plus
/// the relay section: the path up to this city and when it received the county's report), sends it to the
/// city's own upstream with the city's own credential, and returns the province's answer. The acknowledged
/// high water is the county's at the province: what a county may prune up to (`heldThrough`).
public struct RelayForwarder: Sendable {
    /// The province's answer to one relayed batch.
    public enum Answer: Sendable, Hashable {
        /// Applied (or a duplicate, or a gap: `ack.expectedSeq` names where to resume).
        case acknowledged(SyncAck)
        /// Refused as a whole (e.g. `not_in_subtree`, `forbidden`, `malformed_batch`): nothing was applied.
        case refused(status: Int, error: String, message: String)
    }

    /// This city's node id (the last hop of every path it sends).
    public let node: String
    let transport: any SyncTransport

    /// Over libcurl to `syncURL` (the upstream's `/v1/sync`), with the city's credential in `configuration`.
    public init(node: String, syncURL: String, configuration: CurlHTTPClient.Configuration) {
        self.init(node: node, transport: CurlSyncTransport(url: syncURL, configuration: configuration))
    }

    public init(node: String, transport: any SyncTransport) {
        self.node = node
        self.transport = transport
    }

    /// The batch `stream` goes up as. Throws for a stream the hub could not read as the county's: sequences
    /// not consecutive from `firstSeq` (the wire numbers changes by position), or a path that does not start
    /// at the origin or already names this city.
    public func batch(for stream: RelayedStream) throws(YiwangError) -> SyncBatch {
        try Validation.nodeID(stream.origin, field: "origin")
        guard stream.via.first.map({ ByteKey.equal($0, stream.origin) }) == true else {
            throw .invalidField("via", "the relay path starts at the origin '\(stream.origin)'")
        }
        guard !stream.via.contains(where: { ByteKey.equal($0, node) }),
            stream.via.count < RelaySection.maxHops
        else { throw .invalidField("via", "the relay path already names '\(node)' or is too long") }
        for (index, change) in stream.changes.enumerated() where change.seq != stream.firstSeq.saturatingAdd(UInt64(index)) {
            throw .invalidField("seq", "change \(index) has seq \(change.seq), not \(stream.firstSeq) + \(index)")
        }
        return SyncBatch(
            node: stream.origin, firstSeq: stream.firstSeq, report: stream.report, changes: stream.changes,
            skip: stream.skip,
            relay: RelaySection(path: stream.via + [node], receivedAtMs: max(0, stream.receivedAtMs)))
    }

    /// Sends `stream` up. Throws `.transport` when the upstream did not answer and `.unavailable` when it was
    /// busy or failing (nothing is known: resend later, resending is harmless), `.protocolMismatch` for an
    /// upstream too old for relayed batches.
    public func forward(_ stream: RelayedStream) async throws(YiwangError) -> Answer {
        let body = BatchCodec.encode(try batch(for: stream))
        let (status, answer) = try await transport.postBatch(body, node: node)
        if status == 200 {
            guard let ack = try? JSONCoding.decoder.decode(SyncAck.self, from: Data(answer)) else {
                throw .transport("the upstream's answer to a relayed batch is not an acknowledgement")
            }
            return .acknowledged(ack)
        }
        let error = try? JSONCoding.decoder.decode(ErrorBody.self, from: Data(answer.prefix(64 << 10)))
        // Busy, over its rate, timed out, or failing: not a judgement of the batch; resend later.
        if status >= 500 || status == 429 || status == 408 {
            throw .unavailable("the upstream answered \(status) (\(error?.error ?? "no error body")); resend later")
        }
        return .refused(
            status: status, error: error?.error ?? "http_\(status)", message: error?.message ?? "no error body")
    }
}
