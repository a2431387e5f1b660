import Foundation
import Synchronization
import YiwangStore

/// Passive WAL checkpoints of one file every 50 ms on a thread of their own while a measurement runs, as the
/// hub daemon's checkpoint service does: the in-process hub store and the raw-SQLite limit beside it both get
/// them, so neither side's ratio gains from the other core alone.
final class BackgroundCheckpoints: Sendable {
    private let stopped = Mutex(false)
    private let finished = DispatchSemaphore(value: 0)

    init(path: String) throws {
        let checkpointer = try WALCheckpointer(path: path)
        let thread = Thread { [self] in
            while !stopped.withLock({ $0 }) {
                try? checkpointer.checkpointNow()
                Thread.sleep(forTimeInterval: 0.05)
            }
            try? checkpointer.close()
            finished.signal()
        }
        thread.start()
    }

    func stop() {
        stopped.withLock { $0 = true }
        finished.wait()
    }
}
