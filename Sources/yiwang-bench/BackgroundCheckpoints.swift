import Logging
import YiwangStore

/// The hub daemon's background WAL checkpoints (`WALCheckpointer.run`) for one file while a measurement
/// runs: the in-process hub store and the raw-SQLite limit beside it both get them, so neither side's ratio
/// gains from the other core alone.
struct BackgroundCheckpoints {
    private let task: Task<Void, Never>

    init(path: String) throws {
        let checkpointer = try WALCheckpointer(path: path)
        task = Task { await checkpointer.run(logger: Logger(label: "yiwang-bench")) }
    }

    /// Ends the checkpoints (the connection closes when the loop sees it).
    func stop() { task.cancel() }
}
