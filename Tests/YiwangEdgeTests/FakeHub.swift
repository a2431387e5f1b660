import Foundation
import Synchronization
import YiwangCore
import YiwangEdge
import YiwangHTTP

/// An in-process stand-in for the hub's `POST /v1/sync`, with the hub's sequencing rules (high water, gap
/// answer, per-change rejection, skip marks), switchable down, and able to refuse whole batches.
final class FakeHub: SyncTransport, Sendable {
    struct State {
        var highWater: UInt64 = 0
        /// Every change applied, by sequence (a sequence applied twice is a bug).
        var applied: [UInt64: Change] = [:]
        var appliedTwice: [UInt64] = []
        var down = false
        /// Changes with these keys are refused one by one (`rejected`).
        var rejectKeys: Set<String> = []
        /// A batch holding a change with one of these keys is refused whole (400).
        var refuseBatchKeys: Set<String> = []
        var batches = 0
        var heartbeats = 0
        var lastReport: NodeReport?
        /// How long each answer takes, in milliseconds.
        var delayMs = 0
        /// Batches received (counted before the delay).
        var received = 0
        /// Hostile answers, sent (in order) instead of the honest ones; the batch is then not applied.
        var hostileAcks: [[UInt8]] = []
        /// Added to the high water of the next honest answer only (an ack beyond what was sent).
        var overAcknowledgeOnce: UInt64 = 0
        /// Sequences the node marked as never sent (skip marks) and the hub took: refused, recorded.
        var skipped: [UInt64] = []
    }

    let state = Mutex(State())

    func postBatch(_ body: [UInt8], node: String) async throws(YiwangError) -> (status: Int, body: [UInt8]) {
        let batch: SyncBatch
        do { batch = try BatchCodec.decode(body) } catch {
            return (400, Self.encode(ErrorBody(error)))
        }
        let delayMs = state.withLock { state in
            state.received += 1
            return state.delayMs
        }
        if delayMs > 0 { try? await Task.sleep(for: .milliseconds(delayMs)) }
        return try state.withLock { state throws(YiwangError) -> (status: Int, body: [UInt8]) in
            if state.down { throw .transport("connection refused") }
            if !state.hostileAcks.isEmpty { return (200, state.hostileAcks.removeFirst()) }
            state.batches += 1
            state.lastReport = batch.report
            if batch.changes.isEmpty { state.heartbeats += 1 }
            if batch.changes.contains(where: { state.refuseBatchKeys.contains($0.version.key) }) {
                return (400, Self.encode(ErrorBody(.malformedBatch("refused for the test"))))
            }
            if batch.firstSeq > state.highWater + 1 {
                let ack = SyncAck(
                    highWater: state.highWater, expectedSeq: state.highWater + 1, rejected: [], hubClockMs: 0)
                return (200, Self.encode(ack))
            }
            if batch.skip != nil, batch.firstSeq == state.highWater + 1 {
                state.skipped.append(batch.firstSeq)  // as the hub's batch plan: recorded as refused, held through
                state.highWater = batch.firstSeq
            }
            var rejected: [SyncAck.Rejection] = []
            for change in batch.changes where change.seq == state.highWater + 1 {
                if state.rejectKeys.contains(change.version.key) {
                    rejected.append(.init(seq: change.seq, error: "invalid_field", message: "refused key"))
                } else {
                    if state.applied[change.seq] != nil { state.appliedTwice.append(change.seq) }
                    state.applied[change.seq] = change
                }
                state.highWater = change.seq
            }
            let claimed = state.highWater + state.overAcknowledgeOnce
            state.overAcknowledgeOnce = 0
            let ack = SyncAck(highWater: claimed, expectedSeq: nil, rejected: rejected, hubClockMs: 0)
            return (200, Self.encode(ack))
        }
    }

    static func encode(_ value: some Encodable) -> [UInt8] {
        Array((try? JSONCoding.encoder.encode(value)) ?? Data())
    }

    func set(_ change: (inout State) -> Void) { state.withLock { change(&$0) } }
    var snapshot: State { state.withLock { $0 } }
}
