/// What to do with one chunk read from one side: which slices to deliver to the other side and when, and
/// whether to close the connection after the last of them. Offsets are into the chunk.
public struct ChunkDecision: Sendable, Hashable {
    /// A slice of the chunk and the monotonic time (ns) at which to write it.
    public struct Piece: Sendable, Hashable {
        public var offset: Int
        public var length: Int
        public var deliverAtNs: UInt64

        public init(offset: Int, length: Int, deliverAtNs: UInt64) {
            self.offset = offset
            self.length = length
            self.deliverAtNs = deliverAtNs
        }
    }

    public var pieces: [Piece] = []
    /// Bytes of the chunk that are never delivered (blackhole, past a limit, after a cut).
    public var droppedBytes = 0
    /// Close the connection at this time (after the last piece): a `limit_data` was reached.
    public var closeAtNs: UInt64?

    public init(pieces: [Piece] = [], droppedBytes: Int = 0, closeAtNs: UInt64? = nil) {
        self.pieces = pieces
        self.droppedBytes = droppedBytes
        self.closeAtNs = closeAtNs
    }
}

/// The per-chunk decisions for one direction of one connection: a value-type state machine with no I/O.
/// Deliveries never go back in time, so the bytes keep their order whatever the jitter.
public struct FlowShaper: Sendable {
    public private(set) var plan: FlowPlan
    /// Bytes counted against the current `limit_data`.
    public private(set) var limitedBytes = 0
    /// The limit was reached: nothing more passes.
    public private(set) var isCut = false
    private var lastDeliveryNs: UInt64 = 0
    private var bandwidth: BandwidthSchedule?
    private var generator: SplitMix64

    /// A shaper following `plan`, its jitter and slice sizes drawn from `seed`.
    public init(plan: FlowPlan = FlowPlan(), seed: UInt64) {
        self.plan = plan
        self.generator = SplitMix64(seed: seed)
        self.bandwidth = plan.bytesPerSecond.map { BandwidthSchedule(bytesPerSecond: $0) }
    }

    /// Follows a new plan from now on; a different `limit_data` fault starts a new byte count.
    public mutating func update(plan newPlan: FlowPlan) {
        if newPlan.limit?.name != plan.limit?.name { limitedBytes = 0 }
        if newPlan.bytesPerSecond != plan.bytesPerSecond {
            bandwidth = newPlan.bytesPerSecond.map { BandwidthSchedule(bytesPerSecond: $0) }
        }
        plan = newPlan
    }

    /// Decides the fate of a chunk of `length` bytes read at `nowNs`.
    public mutating func decide(length: Int, nowNs: UInt64) -> ChunkDecision {
        if isCut || plan.blackhole { return ChunkDecision(droppedBytes: length) }
        var allowed = length
        var cut = false
        if let limit = plan.limit {
            let remaining = max(0, limit.bytes - limitedBytes)
            if length >= remaining {
                allowed = remaining
                cut = true
            }
            limitedBytes += allowed
        }
        var readyAt = nowNs + Self.ns(ms: plan.latencyMs)
        if plan.jitterMs > 0 {
            let jitter = Int.random(in: -plan.jitterMs...plan.jitterMs, using: &generator)
            readyAt = max(nowNs, jitter >= 0 ? readyAt + Self.ns(ms: jitter) : readyAt &- Self.ns(ms: -jitter))
        }
        var decision = ChunkDecision(droppedBytes: length - allowed)
        var offset = 0
        for (index, size) in pieceSizes(allowed).enumerated() {
            var at = readyAt
            if let slicer = plan.slicer { at += UInt64(index) * Self.ns(ms: slicer.delayMs) }
            if var schedule = bandwidth {
                at = schedule.send(bytes: size, readyAtNs: at)
                bandwidth = schedule
            }
            at = max(at, lastDeliveryNs)
            lastDeliveryNs = at
            decision.pieces.append(.init(offset: offset, length: size, deliverAtNs: at))
            offset += size
        }
        if cut {
            isCut = true
            decision.closeAtNs = max(lastDeliveryNs, nowNs)
        }
        return decision
    }

    /// How `length` bytes are split: slicer sizes, else bandwidth-sized pieces, else one piece.
    private mutating func pieceSizes(_ length: Int) -> [Int] {
        guard length > 0 else { return [] }
        var sizes: [Int] = []
        var left = length
        if let slicer = plan.slicer {
            while left > 0 {
                let variation = slicer.sizeVariation
                let spread = variation > 0 ? Int.random(in: -variation...variation, using: &generator) : 0
                let size = slicer.averageSize + spread
                let piece = min(left, max(1, size))
                sizes.append(piece)
                left -= piece
            }
        } else if let bandwidth {
            let step = bandwidth.pieceSize(forChunk: length)
            while left > 0 {
                sizes.append(min(step, left))
                left -= min(step, left)
            }
        } else {
            sizes = [length]
        }
        return sizes
    }

    static func ns(ms: Int) -> UInt64 { UInt64(max(ms, 0)) * 1_000_000 }
}
