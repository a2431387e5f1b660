import Logging
import NIOCore

/// One proxied connection: the client channel (the node) and the upstream channel (its parent), both on one
/// event loop, shaped by the faults in force. Every method runs on that event loop; the `FlowShaper`s decide,
/// this class only carries the decisions out.
final class ProxyConnection {
    let id: UInt64
    let client: any Channel
    private(set) var upstream: (any Channel)?
    private var plan = ConnectionPlan()
    private var upstreamShaper: FlowShaper
    private var downstreamShaper: FlowShaper
    private var pendingWrites: [Flow: Int] = [:]
    private var pendingBytes: [Flow: Int] = [:]
    private var closeWhenDrained: Set<Flow> = []
    private var lastWrite: [Flow: EventLoopFuture<Void>] = [:]
    private var resetTask: Scheduled<Void>?
    private var isClosing = false
    private var isFirstPlan = true
    /// Runs once, when the client channel becomes active (set by the proxy before then).
    var onClientActive: ((ProxyConnection) -> Void)?
    private let stats: StatsRecorder
    private let logger: Logger

    /// Stop reading a side while this many bytes wait to be delivered from it.
    static let highWaterBytes = 1 << 20

    init(id: UInt64, client: any Channel, seed: UInt64, stats: StatsRecorder, logger: Logger) {
        self.id = id
        self.client = client
        self.upstreamShaper = FlowShaper(seed: SplitMix64.mix(seed ^ SplitMix64.mix(id &* 2)))
        self.downstreamShaper = FlowShaper(seed: SplitMix64.mix(seed ^ SplitMix64.mix(id &* 2 &+ 1)))
        self.stats = stats
        var logger = logger
        logger[metadataKey: "yiwang.connection"] = "\(id)"
        self.logger = logger
    }

    private var loop: NIOIsolatedEventLoop { client.eventLoop.assumeIsolated() }

    /// The client channel is active: register, draw the plan, connect upstream (`onClientActive`).
    func clientActive() {
        let start = onClientActive
        onClientActive = nil
        start?(self)
    }

    /// The upstream connected: start carrying bytes both ways.
    func attach(upstream channel: any Channel) throws {
        guard !isClosing else {
            channel.close(promise: nil)
            return
        }
        upstream = channel
        try channel.pipeline.syncOperations.addHandler(ProxySideHandler(connection: self, reads: .downstream))
        logger.debug("upstream connected")
        readMoreIfPossible(.upstream)
        readMoreIfPossible(.downstream)
    }

    /// The upstream could not be reached: the client sees a reset, as if the parent were down.
    func upstreamFailed(_ error: any Error) {
        logger.debug("upstream connect failed", metadata: ["yiwang.error": "\(error)"])
        reset()
    }

    /// Follows a new set of faults (the first call comes before any byte passes).
    func apply(_ newPlan: ConnectionPlan) {
        let initial = isFirstPlan
        isFirstPlan = false
        guard !isClosing else { return }
        if newPlan.down {
            stats.update { stats in
                if initial { stats.connectionsRefused += 1 } else { stats.connectionsReset += 1 }
            }
            logger.debug("connection reset", metadata: ["yiwang.fault.type": "down"])
            reset()
            return
        }
        if newPlan.resetAfterMs != plan.resetAfterMs || initial {
            resetTask?.cancel()
            resetTask = nil
            if let ms = newPlan.resetAfterMs {
                resetTask = loop.scheduleTask(in: .milliseconds(Int64(ms))) { [self] in
                    stats.update { $0.connectionsReset += 1 }
                    logger.debug("connection reset", metadata: ["yiwang.fault.type": "reset_peer"])
                    reset()
                }
            }
        }
        plan = newPlan
        upstreamShaper.update(plan: newPlan.upstream)
        downstreamShaper.update(plan: newPlan.downstream)
        readMoreIfPossible(.upstream)
        readMoreIfPossible(.downstream)
    }

    /// Bytes read from the source of `flow`: shape them and schedule their delivery.
    func received(_ buffer: ByteBuffer, on flow: Flow) {
        guard !isClosing else { return }
        let length = buffer.readableBytes
        stats.count(length, .received, flow)
        let now = NIODeadline.now().uptimeNanoseconds
        let decision =
            flow == .upstream
            ? upstreamShaper.decide(length: length, nowNs: now) : downstreamShaper.decide(length: length, nowNs: now)
        stats.count(decision.droppedBytes, .dropped, flow)
        for piece in decision.pieces {
            guard let slice = buffer.getSlice(at: buffer.readerIndex + piece.offset, length: piece.length) else {
                continue
            }
            deliver(slice, on: flow, at: piece.deliverAtNs, now: now)
        }
        if let closeAt = decision.closeAtNs {
            stats.update { $0.connectionsCut += 1 }
            logger.debug("connection cut", metadata: ["yiwang.fault.type": "limit_data", "yiwang.flow": "\(flow)"])
            loop.scheduleTask(deadline: .uptimeNanoseconds(closeAt)) { [self] in close() }
        }
    }

    private func deliver(_ slice: ByteBuffer, on flow: Flow, at deadline: UInt64, now: UInt64) {
        if pendingWrites[flow, default: 0] == 0 && deadline <= now {
            write(slice, on: flow)
            return
        }
        pendingWrites[flow, default: 0] += 1
        pendingBytes[flow, default: 0] += slice.readableBytes
        loop.scheduleTask(deadline: .uptimeNanoseconds(deadline)) { [self] in
            pendingWrites[flow, default: 0] -= 1
            pendingBytes[flow, default: 0] -= slice.readableBytes
            write(slice, on: flow)
            if pendingWrites[flow, default: 0] == 0 && closeWhenDrained.contains(flow) {
                close()
            } else {
                readMoreIfPossible(flow)
            }
        }
    }

    private func write(_ slice: ByteBuffer, on flow: Flow) {
        guard !isClosing, let destination = destination(of: flow) else { return }
        stats.count(slice.readableBytes, .forwarded, flow)
        lastWrite[flow] = destination.writeAndFlush(slice)
    }

    /// Asks the source of `flow` for more bytes unless too many wait or the destination is full.
    func readMoreIfPossible(_ flow: Flow) {
        guard !isClosing, let source = source(of: flow), let destination = destination(of: flow) else { return }
        if pendingBytes[flow, default: 0] < Self.highWaterBytes && destination.isWritable {
            source.read()
        }
    }

    /// The source of `flow` closed (or failed): deliver what is still scheduled for the other side, then close.
    func sourceClosed(_ flow: Flow) {
        guard !isClosing else { return }
        if pendingWrites[flow, default: 0] == 0 {
            close()
        } else {
            closeWhenDrained.insert(flow)
        }
    }

    /// Closes both sides normally (FIN), once the bytes already written to each side have gone out.
    func close() {
        guard !isClosing else { return }
        isClosing = true
        onClientActive = nil
        resetTask?.cancel()
        for flow in Flow.allCases {
            guard let channel = destination(of: flow) else { continue }
            if let written = lastWrite[flow] {
                written.whenComplete { _ in channel.close(promise: nil) }
            } else {
                channel.close(promise: nil)
            }
        }
    }

    /// Closes both sides with a TCP reset.
    func reset() {
        guard !isClosing else { return }
        isClosing = true
        onClientActive = nil
        resetTask?.cancel()
        client.reset()
        upstream?.reset()
    }

    private func source(of flow: Flow) -> (any Channel)? { flow == .upstream ? client : upstream }
    private func destination(of flow: Flow) -> (any Channel)? { flow == .upstream ? upstream : client }
}
