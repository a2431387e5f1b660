import Foundation
import Logging
import ServiceLifecycle
import YiwangCore
import YiwangHTTP
import YiwangStore

/// Ships the outbox to the hub, in order, until acknowledged: batches of consecutive entries (a heartbeat
/// when nothing is pending), driven entirely by the hub's answers. On SIGTERM it finishes the batch in flight
/// and returns.
public final class UplinkService: Service, Sendable {
    let configuration: EdgeConfiguration
    let store: EdgeStore
    let transport: any SyncTransport
    let status: UplinkStatus
    let logger: Logger
    let metrics = EdgeMetrics()

    public init(
        configuration: EdgeConfiguration, store: EdgeStore, transport: any SyncTransport, status: UplinkStatus,
        logger: Logger
    ) {
        self.configuration = configuration
        self.store = store
        self.transport = transport
        self.status = status
        var logger = logger
        logger[metadataKey: "yiwang.node"] = .string(configuration.nodeID)
        self.logger = logger
    }

    public func run() async throws {
        var loop = UplinkLoop(service: self)
        logger.info("uplink started", metadata: ["yiwang.hub": .string(configuration.syncURL)])
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await loop.step()
        }
        try? await loop.finishRecordingAck()
        logger.info("uplink stopped")
    }

    /// Waits up to `ms`, returning early on a write (when `wakeOnWrite`; then true) or on shutdown.
    @discardableResult
    func pause(ms: Int64, wakeOnWrite: Bool) async -> Bool {
        guard ms > 0 else { return false }
        return await cancelWhenGracefulShutdown { () async -> Bool in
            if wakeOnWrite { return await self.store.commitBell.wait(timeoutMs: ms) }
            try? await Task.sleep(for: .milliseconds(ms))
            return false
        }
    }

    /// The node's time: the hub's, when the store runs on a `HubReferencedClock`.
    func nowMs() -> Int64 { store.nowMs() }
}
