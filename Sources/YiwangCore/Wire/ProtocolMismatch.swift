/// How a node tells, from the hub's answer to a batch, that the hub cannot read the node's protocol version,
/// as opposed to refusing the batch itself. The difference matters: a refused batch is halved and, at one
/// change, quarantined; a batch the hub cannot read is fine and must wait in the outbox until the hub is
/// upgraded, however long the rollout takes.
///
/// A hub before version 2 sends no `X-Yiwang-Protocol` header and answers a batch of a later version
/// `400 {"error":"malformed_batch","message":"not a Yiwang batch (bad magic or version)"}`; a hub of version 2
/// or later names its version in the header and says "newer than this hub" for a version it lacks. A
/// header-less hub is version 1, since every later hub sends the header on every answer.
public enum ProtocolMismatch {
    /// The hub's version as its answer names it: version 1 when the header is absent, nil when it names
    /// something this build does not know (malformed, or a version after this build's).
    public static func hubVersion(header: String?) -> ProtocolVersion? {
        guard let header else { return .v1 }
        return ProtocolVersion(header: header)
    }

    /// The error to report when the answer (`status`, the `X-Yiwang-Protocol` header, the JSON error's code
    /// and message) says the hub cannot read a batch of version `sent`; nil when it is any other answer.
    /// `hub` is the hub's URL for the message (any user info in it is left out).
    public static func check(
        status: Int, header: String?, errorCode: String?, message: String?, hub: String,
        sent: ProtocolVersion = .current
    ) -> YiwangError? {
        guard status == 400, errorCode == YiwangError.Code.malformedBatch.rawValue, let message,
            let hubVersion = hubVersion(header: header), hubVersion < sent
        else { return nil }
        // Only the wordings of a hub refusing the version itself; any other malformed-batch refusal (a corrupt
        // batch, say) stays a refusal of this batch.
        let versionRefusal = message.contains("bad magic or version") || message.contains("newer than this hub")
        guard versionRefusal else { return nil }
        return .protocolMismatch(hub: withoutUserInfo(hub), hubVersion: hubVersion, nodeVersion: sent)
    }

    /// `scheme://user:secret@host/path` without `user:secret@`, so no credential reaches a log or a status.
    static func withoutUserInfo(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<scheme.upperBound]) + String(rest[rest.index(after: at)...])
    }
}
