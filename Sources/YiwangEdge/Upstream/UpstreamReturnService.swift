import Logging
import ServiceLifecycle
import YiwangCore

/// Brings the node back to its first upstream: while another is in use, tries the first every
/// `upstream_retry_first` (a grants request, `UpstreamGrantsTransport.tryUpstream`); the rule
/// (`UpstreamChoice`) moves the node back as soon as it answers. Only a node with several upstreams runs it.
public final class UpstreamReturnService: Service, Sendable {
    let upstreams: Upstreams
    let transport: UpstreamGrantsTransport
    let nodeID: String
    let logger: Logger

    /// Longest sleep between two looks at the choice (it may have left the first choice meanwhile).
    static let lookEveryMs: Int64 = 1_000

    init(upstreams: Upstreams, transport: UpstreamGrantsTransport, nodeID: String, logger: Logger) {
        self.upstreams = upstreams
        self.transport = transport
        self.nodeID = nodeID
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if upstreams.takeFirstChoiceTry() {
                logger.debug("trying the first upstream again", metadata: ["yiwang.upstream": .string(upstreams.urls[0])])
                await transport.tryUpstream(0, node: nodeID)
                continue
            }
            let waitMs = min(upstreams.msUntilFirstChoiceTry() ?? Self.lookEveryMs, Self.lookEveryMs)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(max(10, waitMs))) }
        }
    }
}
