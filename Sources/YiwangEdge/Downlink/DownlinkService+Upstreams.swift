import Logging
import YiwangCore
import YiwangStore

/// The upstream a pull goes to, and the id whose position it pulls with (nil: no upstreams, the one
/// transport, positions not kept per upstream).
struct UpstreamTarget: Sendable, Hashable {
    var index: Int
    var id: String?

    static let only = UpstreamTarget(index: 0, id: nil)
}

extension DownlinkService {
    /// The upstream in use, with its position made the one in use (`EdgeStore.useDownlinkPosition`): its own
    /// kept one, the unowned one of an older node (claimed by the first that answers), or none (a snapshot of
    /// it first). An upstream not yet heard from is asked its id first (`identify`). nil when shutting down.
    func selectUpstream() async throws -> UpstreamTarget? {
        guard let upstreams else { return .only }
        let index = upstreams.current.index
        var known = upstreams.id(of: index)
        if known == nil {
            guard let id = try await identify(index) else { return nil }
            known = id
        }
        guard let id = known else { return nil }
        let change = try await store.useDownlinkPosition(of: id)
        let metadata: Logger.Metadata = ["yiwang.upstream": .string(upstreams.urls[index]), "yiwang.upstream.id": .string(id)]
        switch change {
        case .unchanged: break
        case .claimed(let cursor):
            logger.info(
                "downlink position is this upstream's", metadata: metadata.merging(["yiwang.cursor": "\(cursor)"]) { $1 })
        case .resumed(let cursor):
            logger.notice(
                "downlink resumes this upstream's own position",
                metadata: metadata.merging(["yiwang.cursor": "\(cursor)"]) { $1 })
        case .fresh:
            logger.notice("downlink never pulled from this upstream: a snapshot of it first", metadata: metadata)
        }
        return UpstreamTarget(index: index, id: id)
    }

    /// Asks upstream `index` its id with the smallest feed request there is (its answer is only read for its
    /// `X-Yiwang-Upstream`); nil when shutting down. A failure is recorded (the node moves on) and thrown.
    func identify(_ index: Int) async throws -> String? {
        guard let response = try await fetch(since: 0, wait: 0, from: UpstreamTarget(index: index, id: nil), limit: 1)
        else { return nil }
        guard response.cursor != nil || !response.body.isEmpty || response.status != 200 else {
            return upstreams?.id(of: index)  // restarted before the answer: maybe learnt meanwhile
        }
        guard let upstreams else { return nil }
        return try upstreams.record(index, status: response.status, upstreamHeader: response.upstreamHeader).get()
    }

    /// Whether an answer of `target` may be used: recorded with the upstreams (a failure status moves the
    /// node on and is thrown here), and named as the upstream whose position the pull used. An upstream that
    /// names itself otherwise now (its URL reaches another hub) is not believed: false, and the next pull
    /// selects the position of the id it gave.
    func accept(status: Int, upstreamHeader: String?, from target: UpstreamTarget) throws -> Bool {
        guard let upstreams, let expected = target.id else { return true }
        let named = try upstreams.record(target.index, status: status, upstreamHeader: upstreamHeader).get()
        guard Array(named.utf8) == Array(expected.utf8) else {
            logger.warning(
                "upstream answered under another id than the position pulled with: its answer dropped",
                metadata: [
                    "yiwang.upstream": .string(upstreams.urls[target.index]), "yiwang.expected": .string(expected),
                    "yiwang.upstream.id": .string(named),
                ])
            return false
        }
        return true
    }

    /// The transport's result, its failure recorded against the upstream it went to.
    func noteFailure<T>(of target: UpstreamTarget, _ result: Result<T, YiwangError>) throws(YiwangError) -> T {
        if case .failure(let error) = result { upstreams?.failed(target.index, error.description) }
        return try result.get()
    }
}
