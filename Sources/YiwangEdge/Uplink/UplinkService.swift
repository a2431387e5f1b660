import Foundation
import Logging
import ServiceLifecycle
import YiwangCore
import YiwangHTTP
import YiwangStore

/// Ships the outbox to the hub, in order, until acknowledged: batches of consecutive entries (a heartbeat
/// when nothing is pending), driven entirely by the hub's answers. The rules are `UplinkMachine`'s; this
/// service only runs its actions (outbox, transport, metrics, logs, status), each as part of `run` (child
/// tasks of it where two things overlap). On SIGTERM it finishes the batch in flight and returns.
public final class UplinkService: Service, Sendable {
    let configuration: EdgeConfiguration
    let store: EdgeStore
    let transport: any SyncTransport
    let status: UplinkStatus
    let logger: Logger
    let clock: any TimerClock
    let metrics = EdgeMetrics()

    /// `clock`: the node's time and the uplink's timers; by default the store's clock (the hub's time, when
    /// the store runs on a `HubReferencedClock`) and real sleeps.
    public init(
        configuration: EdgeConfiguration, store: EdgeStore, transport: any SyncTransport, status: UplinkStatus,
        logger: Logger, clock: (any TimerClock)? = nil
    ) {
        self.configuration = configuration
        self.store = store
        self.transport = transport
        self.status = status
        self.clock = clock ?? StoreTimerClock(store: store)
        var logger = logger
        logger[metadataKey: "yiwang.node"] = .string(configuration.nodeID)
        self.logger = logger
    }

    var settings: UplinkMachine<PreparedBatch>.Settings {
        let uplink = configuration.uplink
        return .init(
            maxBatchChanges: uplink.maxBatchChanges, heartbeatIntervalMs: uplink.heartbeatIntervalMs,
            lingerMs: uplink.lingerMs, refusedBatchAttempts: uplink.refusedBatchAttempts,
            retentionMs: uplink.retentionMs, backoff: Backoff(baseMs: uplink.backoffBaseMs, capMs: uplink.backoffCapMs))
    }

    public func run() async throws {
        logger.info("uplink started", metadata: ["yiwang.hub": .string(configuration.syncURL)])
        var machine = UplinkMachine<PreparedBatch>(settings: settings, seed: UInt64.random(in: .min ... .max))
        var keeper = ClockKeeper()
        var actions = machine.start(nowMs: clock.nowMs())
        var unrecorded: AckRecord?
        running: while true {
            var event: UplinkEvent<PreparedBatch>?
            for action in actions {
                // Stop before new work; what finishes the answer in flight (records, quarantine) still runs.
                if action.startsWork, Task.isShuttingDownGracefully || Task.isCancelled {
                    if case .send(_, let sending) = action { unrecorded = sending.recordFirst }
                    break running
                }
                if let outcome = await perform(action, keeper: &keeper) { event = outcome }
            }
            guard let event else { break }
            actions = machine.handle(event, nowMs: clock.nowMs())
        }
        for record in [unrecorded, machine.stop()].compactMap({ $0 }) {
            try? await store.applyAck(
                highWater: record.through, heldThrough: record.heldThrough, rejected: record.rejected,
                nowMs: record.atMs)
        }
        logger.info("uplink stopped")
    }

    /// Waits up to `ms` on the service's clock, returning early on a write (when `wakeOnWrite`; then true) or
    /// on shutdown.
    func pause(ms: Int64, wakeOnWrite: Bool) async -> Bool {
        guard ms > 0 else { return false }
        let clock = self.clock
        let bell = store.commitBell
        return await cancelWhenGracefulShutdown { () async -> Bool in
            guard wakeOnWrite else {
                try? await clock.sleep(ms: ms)
                return false
            }
            return await withTaskGroup(of: Bool.self) { group in
                group.addTask { await bell.wait(timeoutMs: Int64(Int32.max)) }
                group.addTask {
                    try? await clock.sleep(ms: ms)
                    return false
                }
                let first = await group.next() ?? false
                group.cancelAll()
                return first
            }
        }
    }

    /// The text of a refusal: the hub's error code and message, or the status.
    static func reason(status: Int, body: [UInt8]) -> String {
        if let error = try? JSONCoding.decoder.decode(ErrorBody.self, from: Data(body)) {
            return "\(error.error): \(error.message)"
        }
        return "HTTP \(status)"
    }
}

extension UplinkAction {
    /// Starts new work (not part of acting on an answer already received): not begun once shutting down.
    var startsWork: Bool {
        switch self {
        case .loadCursor, .prune, .read, .send, .sendSkipMark, .sendStatus, .wait: true
        case .recordAck, .quarantine, .reissue, .report: false
        }
    }
}
