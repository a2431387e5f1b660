import Logging
import YiwangCore
import YiwangStore

extension UplinkLoop {
    /// What the recovery from reused sequences leaves for the ordinary acknowledgement.
    struct Recovered {
        /// The sequence the hub is taken to hold through (see `ReissueOutcome.ackThrough`).
        var ackThrough: UInt64
        /// The node's last error after the recovery (kept until the next clean acknowledgement).
        var message: String
    }

    /// When the hub refused some of the batch as `sequence_reused` (this node's data was restored from an older
    /// copy and its new writes reuse numbers the hub holds), re-issues those writes above the hub's high water
    /// (`EdgeStore.reissue`) instead of quarantining them; nil when the ack refused no sequence as reused.
    func reissueReused(_ ack: SyncAck, batch: OutboxBatch) async throws -> Recovered? {
        let code = YiwangError.Code.sequenceReused.rawValue
        let sent = batch.firstSeq...(batch.entries.last?.seq ?? batch.firstSeq)
        // Only sequences this batch carried: a hub cannot have this node re-issue what it never sent it.
        let reused = ack.rejected.filter { $0.error == code && $0.seq <= ack.highWater && sent.contains($0.seq) }
            .map(\.seq)
        guard !reused.isEmpty else { return nil }
        let last = batch.entries.last?.seq ?? batch.firstSeq
        let outcome = try await service.store.reissue(
            reused: reused, batchLastSeq: min(last, ack.highWater), hubHighWater: ack.highWater)
        logger.warning(
            "sequence numbers reused (data restored from an older copy?): writes re-issued above its high water",
            metadata: [
                "yiwang.batch.seq": .stringConvertible(batch.firstSeq),
                "yiwang.reused": .stringConvertible(reused.count),
                "yiwang.reissued": .stringConvertible(outcome.reissued.count),
                "yiwang.superseded": .stringConvertible(outcome.superseded.count),
                "yiwang.high_water": .stringConvertible(ack.highWater),
            ])
        let message =
            "sequence_reused: the hub held other changes under \(reused.count) of this node's sequence numbers "
            + "(data restored from an older copy?); \(outcome.reissued.count) write(s) re-issued above "
            + "\(ack.highWater)"
        return Recovered(
            ackThrough: outcome.ackThrough, message: message)
    }
}
