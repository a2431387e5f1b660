import Foundation
import Hummingbird
import YiwangAPI
import YiwangCore
import YiwangHTTP
import YiwangStore

extension EdgeRoutes {
    /// `POST /v1/quarantine/{seq}/drop` with `{"reason": "..."}` and `X-Actor`: discards a quarantined change
    /// for good, chained in the node's drop log. Until dropped or re-queued, a quarantined change counts as one
    /// the hub lacks (the node is never `realtime`).
    func drop(_ request: Request, _ context: EdgeRequestContext) async throws -> Response {
        guard let text = context.parameters.get("seq"), let seq = UInt64(text), (1...UInt64.maxStored).contains(seq) else {
            throw YiwangError.invalidField("seq", "seq must be a positive integer")
        }
        let actor = try actor(request)
        let body = try await body(request, limit: 4096, field: "body")
        guard let parsed = try? JSONDecoder().decode(DropRequest.self, from: Data(body.utf8)) else {
            throw YiwangError.invalidField("body", "expected {\"reason\": \"...\"}")
        }
        let reason = parsed.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.utf8.count <= 500 else {
            throw YiwangError.invalidField("reason", "a reason of 1 to 500 bytes is required")
        }
        let logSeq = try await store.dropQuarantined(seq: seq, reason: reason, actor: actor)
        return .json(DropAnswer(seq: seq, dropped: true, auditSeq: logSeq))
    }
}
