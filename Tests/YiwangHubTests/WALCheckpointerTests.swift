import Foundation
import GRDB
import Testing
import YiwangCore
import YiwangStore
import YiwangTesting

/// The hub's checkpoint connection moves applied batches from the WAL into `hub.sqlite` itself while the
/// store stays open: a copy of the main file alone then holds them.
@Suite struct WALCheckpointerTests {
    func recordsInMainFileAlone(_ path: String, copy: String) throws -> Int {
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: path, toPath: copy)  // without -wal: the checkpointed pages only
        let queue = try DatabaseQueue(path: copy)
        defer { try? queue.close() }
        return try queue.read { db in
            try db.tableExists("records") ? Int.fetchOne(db, sql: "SELECT count(*) FROM records") ?? 0 : 0
        }
    }

    @Test(.timeLimit(.minutes(1))) func appliedBatchesReachTheMainFile() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        defer { try? store.close() }
        let now: Int64 = 1_790_000_000_000
        let batch = Fixtures.batch(
            node: Fixtures.city, firstSeq: 1, Fixtures.versions(node: Fixtures.city, count: 200, hlcMs: now - 1_000),
            clockMs: now)
        let outcome = try store.applySync(
            batch: batch, policies: ["population": .lww], grants: ["population"], nowMs: now)
        #expect(outcome.applied == 200)
        #expect(try recordsInMainFileAlone(store.path, copy: dir.file("before.sqlite")) == 0)

        // The loop the hub's checkpoint service runs: within a few of its 50 ms rounds the main file holds all.
        let checkpointer = try WALCheckpointer(path: store.path)
        let loop = Task { await checkpointer.run(logger: Fixtures.logger) }
        defer { loop.cancel() }
        var inMainFile = 0
        for _ in 0..<100 where inMainFile < 200 {  // at most 10 s on a busy machine
            try await Task.sleep(for: .milliseconds(100))
            inMainFile = try recordsInMainFileAlone(store.path, copy: dir.file("after.sqlite"))
        }
        #expect(inMainFile == 200)
        #expect(try await store.record(dataset: "population", key: "key-200") != nil)  // the store still serves
    }
}
