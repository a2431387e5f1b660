import Synchronization

/// The proxy's counters, shared by every connection's event loop.
final class StatsRecorder: Sendable {
    private let stats = Mutex(ProxyStats())

    var snapshot: ProxyStats { stats.withLock { $0 } }

    func update(_ body: (inout ProxyStats) -> Void) {
        stats.withLock { body(&$0) }
    }

    func count(_ bytes: Int, _ kind: ProxyStats.ByteCount, _ flow: Flow) {
        guard bytes > 0 else { return }
        stats.withLock { $0.count(bytes, kind, flow) }
    }
}
