import Foundation
import GRDB
import Testing
import YiwangAPI
import YiwangCore
import YiwangHTTP
import YiwangHub
import YiwangTesting

@testable import YiwangStore

/// `conflict_retention` on the hub: `HubStore.pruneConflicts` deletes conflicts by age, in chunks, and a stored
/// time at an extreme neither traps nor stops the listing.
@Suite struct ConflictRetentionTests {
    static let t0: Int64 = 1_790_000_000_000

    /// `count` conflicts on keys `prefix-i`, recorded at `ms`: two cities write each key without seeing the other.
    static func conflicts(_ store: HubStore, count: Int, prefix: String, at ms: Int64, seq: inout UInt64) throws {
        for node in [Fixtures.city, Fixtures.otherCity] {
            let versions = (0..<count).map { i in
                Fixtures.version(node: node, counter: seq + UInt64(i), key: "\(prefix)-\(i)", hlcMs: ms)
            }
            let batch = Fixtures.batch(node: node, firstSeq: seq, versions, clockMs: ms)
            _ = try store.applySync(batch: batch, policies: ["population": .lww], grants: ["population"], nowMs: ms)
        }
        seq += UInt64(count)
    }

    @Test func conflictsOlderThanTheRetentionGoOldestFirstAndInChunks() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        var seq: UInt64 = 1
        let day: Int64 = 86_400_000
        try Self.conflicts(store, count: 5, prefix: "old", at: Self.t0, seq: &seq)
        try Self.conflicts(store, count: 2, prefix: "new", at: Self.t0 + 100 * day, seq: &seq)
        #expect(try await store.conflicts(dataset: nil, key: nil, limit: 100).count == 7)

        let cutoff = (Self.t0 + 100 * day).saturatingSubtract(90 * day)
        #expect(try await store.pruneConflicts(beforeMs: cutoff, maxRows: 3) == 3)
        #expect(try await store.pruneConflicts(beforeMs: cutoff) == 2)
        #expect(try await store.pruneConflicts(beforeMs: cutoff) == 0)
        let left = try await store.conflicts(dataset: nil, key: nil, limit: 100)
        #expect(left.map(\.conflict.winner.key).sorted() == ["new-0", "new-1"])
        // The audit keeps the conflict: blame still shows who lost, and the chain verifies.
        #expect(try await store.history(dataset: "population", key: "old-0").map(\.status).contains(.lost))
        #expect(try await store.verifyAudit(expecting: nil).isIntact)
    }

    @Test func extremeStoredTimesDoNotTrap() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        var seq: UInt64 = 1
        try Self.conflicts(store, count: 1, prefix: "k", at: Self.t0, seq: &seq)
        // Copies of the row with an edited time: the earliest, the latest, and not a number at all.
        try await store.pool.write { db in
            for time in ["-9223372036854775808", "9223372036854775807", "'soon'", "1e300"] {
                try db.execute(
                    sql: """
                        INSERT INTO conflicts(dataset, key, resolution, recorded_at_ms, versions)
                        SELECT dataset, key, resolution, \(time), versions FROM conflicts WHERE id = 1
                        """)
            }
        }
        #expect(try await store.conflicts(dataset: nil, key: nil, limit: 100).count == 5)
        // Int64.min and the real one are before the cutoff; the latest, the text and 1e300 are never.
        #expect(try await store.pruneConflicts(beforeMs: Int64.max) == 2)
        let left = try await store.conflicts(dataset: nil, key: nil, limit: 100)
        #expect(left.count == 3)
        #expect(try await store.pruneConflicts(beforeMs: Int64.min) == 0)
    }

    @Test(
        "a real yiwang-hub with a short --conflict-retention lists only the recent conflicts",
        .timeLimit(.minutes(1)))
    func liveHubPrunesOldConflicts() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let now = SystemWallClock().nowMs()
        var seq: UInt64 = 1
        do {
            let store = try HubStore(directory: dir.file("data"), logger: Fixtures.logger)
            try Self.conflicts(store, count: 3, prefix: "old", at: now - 3 * 86_400_000, seq: &seq)
            try Self.conflicts(store, count: 1, prefix: "recent", at: now, seq: &seq)
            try store.close()
        }
        let topology = dir.file("topology.yaml")
        try Fixtures.topologyYAML.write(toFile: topology, atomically: true, encoding: .utf8)
        let hub = try DaemonProcess(
            "yiwang-hub",
            arguments: [
                "--listen", "127.0.0.1:0", "--data-dir", dir.file("data"), "--topology", topology,
                "--conflict-retention", "1d",
            ],
            logPath: dir.file("hub.log"))
        let base = try await hub.baseURL()
        let client = CurlHTTPClient()
        var keys: [String] = []
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let answer = try await client.send(method: "GET", url: "\(base)/v1/conflicts", headers: [], body: nil)
            keys = try JSONCoding.decoder.decode(ConflictsBody.self, from: Data(answer.body)).conflicts.map(\.key)
            if keys.count == 1 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(keys == ["recent-0"])
        #expect(hub.log.contains("conflicts pruned"))
        #expect(await hub.stop(SIGTERM) == 0)
    }
}
