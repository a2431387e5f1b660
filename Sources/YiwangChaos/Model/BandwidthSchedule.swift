/// A byte pipe of fixed rate, in virtual time: each piece starts when both it is ready and the pipe is free,
/// and arrives once its last byte has gone through. Idle time earns no burst credit.
public struct BandwidthSchedule: Sendable, Hashable {
    public let bytesPerSecond: Int
    /// When the pipe is free again (nanoseconds on the caller's monotonic clock).
    public private(set) var freeAtNs: UInt64 = 0

    public init(bytesPerSecond: Int) {
        precondition(bytesPerSecond > 0)
        self.bytesPerSecond = bytesPerSecond
    }

    /// Nanoseconds the pipe needs to carry `bytes`.
    public func transferNs(bytes: Int) -> UInt64 {
        let (product, overflow) = UInt64(max(bytes, 0)).multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? UInt64(Double(bytes) / Double(bytesPerSecond) * 1e9) : product / UInt64(bytesPerSecond)
    }

    /// Sends `bytes` that are ready at `readyAtNs`; returns when they have arrived.
    public mutating func send(bytes: Int, readyAtNs: UInt64) -> UInt64 {
        let start = max(readyAtNs, freeAtNs)
        freeAtNs = start + transferNs(bytes: bytes)
        return freeAtNs
    }

    /// The largest piece to send at once, so that a big chunk flows smoothly (about a tenth of a second of
    /// data) without turning into more than 64 pieces.
    public func pieceSize(forChunk length: Int) -> Int {
        max(1, bytesPerSecond / 10, (length + 63) / 64)
    }
}
