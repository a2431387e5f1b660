import Synchronization
import YiwangCore

/// What the uplink knows about its hub right now, shared with `GET /v1/status` and metrics.
public final class UplinkStatus: Sendable {
    public struct Snapshot: Sendable, Hashable {
        /// nil until the first attempt; then whether the last attempt reached the hub.
        public var hubReachable: Bool?
        public var lastContactMs: Int64?
        public var lastError: String?
        /// The hub's clock minus this node's local wall clock, from the last answer.
        public var hubClockOffsetMs: Int64?
        /// Hub acknowledgements (or parts of them) this node did not believe, since it started.
        public var refusedAcks = 0
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func reached(atMs: Int64, hubClockOffsetMs: Int64) {
        state.withLock {
            $0.hubReachable = true
            $0.lastContactMs = atMs
            $0.lastError = nil
            $0.hubClockOffsetMs = hubClockOffsetMs
        }
    }

    func refusedAck() {
        state.withLock { $0.refusedAcks += 1 }
    }

    func failed(_ error: String, reachable: Bool) {
        state.withLock {
            $0.hubReachable = reachable
            $0.lastError = error
        }
    }
}
