/// What an upstream's HTTP answer says about the upstream itself (not about the request): whether it can
/// serve this node now (`UpstreamChoice`), and which upstream it is (`X-Yiwang-Upstream`).
public enum UpstreamAnswer {
    /// The header every hub (and, later, every relay) names itself in, on every answer: the topology's hub id
    /// (a relay: its own node id).
    public static let header = "X-Yiwang-Upstream"

    /// The id an answer without `X-Yiwang-Upstream` is taken to come from: a hub older than the header, "the
    /// only hub". Not a valid node id, so no upstream that names itself can be mistaken for it; two unnamed
    /// upstreams share it (several old hub processes on one PostgreSQL serve one feed, so that is right for
    /// them; two different old hubs in one list is not supported).
    public static let legacyID = "(unnamed hub)"

    /// Whether an answer with `status` means the upstream cannot serve this node now, so the next one in the
    /// list is used: a 5xx (503 busy included), 401 or 403 (it does not know this node's credential: a city
    /// not yet handed its county's), 408 (it timed out reading the request). Any other answer, a 4xx refusal of
    /// a batch included, is the upstream's word about the request, and the node stays.
    public static func isFailure(status: Int) -> Bool {
        status >= 500 || status == 401 || status == 403 || status == 408 || status < 100
    }

    /// The upstream an answer names: the header's value, checked as a node id (`[0-9A-Za-z._-]{1,64}`), or
    /// `legacyID` without the header; an error when the value is not a valid id (the answer is then not used).
    public static func id(header value: String?) -> Result<String, YiwangError> {
        guard let value else { return .success(legacyID) }
        do {
            try Validation.nodeID(value, field: header)
        } catch {
            return .failure(error)
        }
        return .success(value)
    }
}
