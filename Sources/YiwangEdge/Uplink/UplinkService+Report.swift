import Logging
import YiwangCore

extension UplinkService {
    /// Tells status, metrics and logs what the machine noted. Logs carry sequences and the hub's error texts,
    /// never record values.
    func report(_ note: UplinkNote) async {
        switch note {
        case .reached(let atMs, let hubClockMs):
            status.reached(atMs: atMs, hubClockOffsetMs: hubClockOffset(hubMs: hubClockMs, nowMs: atMs))
        case .acknowledged(let firstSeq, let count, let highWater, let rejected):
            metrics.batchesSent.increment()
            metrics.changesAcked.increment(by: Int64(max(0, count - rejected.count)))
            logger.debug(
                "batch acknowledged",
                metadata: [
                    "yiwang.batch.seq": .stringConvertible(firstSeq), "yiwang.batch.count": .stringConvertible(count),
                    "yiwang.high_water": .stringConvertible(highWater),
                ])
            for rejection in rejected {
                metrics.changesQuarantined.increment()
                logger.warning(
                    "hub refused a change; quarantined",
                    metadata: [
                        "yiwang.batch.seq": .stringConvertible(rejection.seq), "yiwang.error": .string(rejection.error),
                    ])
            }
        case .heartbeat:
            metrics.heartbeats.increment()
        case .rewound(let firstSeq, let expectedSeq):
            metrics.rewinds.increment()
            logger.notice(
                "hub asked to rewind",
                metadata: [
                    "yiwang.batch.seq": .stringConvertible(firstSeq),
                    "yiwang.expected_seq": .stringConvertible(expectedSeq),
                ])
        case .distrusted(let why, let asLastError):
            metrics.acksRefused.increment()
            status.refusedAck()
            logger.error("hub acknowledgement not believed", metadata: ["yiwang.error": .string(why)])
            if asLastError {
                let message = YiwangError(code: .invalidField, field: "ack", message: why).description
                status.failed(message, reachable: true)
                try? await store.recordSyncError(message)
            }
        case .refused(let firstSeq, let count, let reason):
            metrics.batchesRefused.increment()
            logger.warning(
                "hub refused a batch",
                metadata: [
                    "yiwang.batch.seq": .stringConvertible(firstSeq), "yiwang.batch.count": .stringConvertible(count),
                    "yiwang.error": .string(reason),
                ])
        case .quarantined(let seq, let reason):
            metrics.changesQuarantined.increment()
            await refreshQuarantineGauge()
            logger.warning(
                "hub refused a batch of one change; quarantined here, a skip mark follows",
                metadata: ["yiwang.batch.seq": .stringConvertible(seq), "yiwang.error": .string(reason)])
        case .skipTaken(let seq):
            logger.notice(
                "hub took the skip mark for a quarantined change", metadata: ["yiwang.batch.seq": .stringConvertible(seq)])
        case .hubFailed:
            metrics.batchesFailed.increment()
        case .attemptFailed(let failure, let retryMs):
            status.failed(failure.message, reachable: failure.reachable)
            try? await store.recordSyncError(failure.message)
            logger.warning(
                "uplink attempt failed",
                metadata: ["yiwang.error": .string(failure.message), "yiwang.retry_ms": .stringConvertible(retryMs)])
        case .lastError(let message):
            try? await store.recordSyncError(message)
        }
    }
}
