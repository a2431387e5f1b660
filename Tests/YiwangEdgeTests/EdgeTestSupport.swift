import Foundation
import Logging
import Synchronization
import YiwangCore
import YiwangStore
import YiwangTesting

let testLogger: Logger = {
    var logger = Logger(label: "yiwang-edge-tests")
    logger.logLevel = .critical
    return logger
}()

/// Runs `body` with a fresh temporary directory, removed afterwards.
func withTemporaryDirectory<T>(_ body: (TemporaryDirectory) async throws -> T) async throws -> T {
    let directory = try TemporaryDirectory(prefix: "yiwang-edge-test")
    defer { directory.remove() }
    return try await body(directory)
}

func openStore(_ directory: TemporaryDirectory, node: String = "430100", clock: any WallClock = EdgeWallClock())
    throws -> EdgeStore
{
    try EdgeStore(directory: directory.path, nodeID: node, wallClock: clock, logger: testLogger)
}

func put(_ key: String, _ value: String = "{\"n\":1}", dataset: String = "population", actor: String = "alice")
    -> LocalWrite
{
    .put(dataset: dataset, key: key, actor: actor, value: value)
}
