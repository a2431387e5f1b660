import Foundation
import GRDB
import Testing
import YiwangCore
@testable import YiwangStore
import YiwangTesting

/// Random interleavings of the snapshot bootstrap of node 430300 with two other nodes writing (puts, deletes,
/// concurrent edits, a `siblings` dataset) and the hub applying their batches, on the real stores (temporary
/// SQLite files): pages of random sizes, answers lost, the node restarted from its stored progress, resyncs,
/// the horizon moved past the node's cursor (it must bootstrap again), then the feed's catch-up. Asserts what a
/// county would notice: its granted datasets end with the hub's digests, a dataset it is not granted never
/// arrives, every feed version after the snapshot is applied exactly when the snapshot did not hold it already
/// (never twice), and no conflict is logged twice. `YIWANG_SEED=N` replays a failing run.
@Suite struct SnapshotBootstrapPropertyTests {
    static let county = "430300"
    static let writers = ["430100", "430200"]
    static let policies: [String: MergePolicy] = ["population": .lww, "social_security": .siblings, "education": .lww]
    static let countyGrants: Set<String> = ["population", "social_security"]
    static let keys = ["a", "b", "c", "Z", "é", "a\u{301}"]

    /// A writer's store and its versions the hub has not acknowledged yet.
    final class Node {
        let id: String
        var store: EdgeStore
        var unsent: [Version] = []
        init(id: String, store: EdgeStore) {
            self.id = id
            self.store = store
        }
    }

    /// One applied snapshot page: the key range it covered and the feed head it was read at.
    struct PageRead {
        var after: SnapshotToken?
        var next: SnapshotToken?
        var readAt: Int64

        func covers(_ version: Version) -> Bool {
            (after?.precedes(dataset: version.dataset, key: version.key) ?? true)
                && !(next?.precedes(dataset: version.dataset, key: version.key) ?? false)
        }
    }

    @Test(.timeLimit(.minutes(2)), arguments: 0..<16)
    func randomInterleavingsBootstrapExactly(schedule: Int) async throws {
        let seed =
            ProcessInfo.processInfo.environment["YIWANG_SEED"].flatMap(UInt64.init)
            ?? UInt64.random(in: 1...UInt64.max)
        var random = SplitMix64(seed: seed &+ UInt64(schedule))
        let context = "seed \(seed) schedule \(schedule) (YIWANG_SEED=\(seed))"
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let hub = try HubStore(directory: try dir.subdirectory("hub"), logger: Fixtures.logger)
        let allDatasets = Set(Self.policies.keys)
        var writers: [Node] = []
        for id in Self.writers {
            writers.append(
                Node(
                    id: id,
                    store: try EdgeStore(
                        directory: try dir.subdirectory(id), nodeID: id, policies: Self.policies,
                        logger: Fixtures.logger)))
        }
        let countyDir = try dir.subdirectory(Self.county)
        let countyPolicies = Self.policies.filter { Self.countyGrants.contains($0.key) }
        func openCounty() throws -> EdgeStore {
            try EdgeStore(directory: countyDir, nodeID: Self.county, policies: countyPolicies, logger: Fixtures.logger)
        }
        let county = Node(id: Self.county, store: try openCounty())

        // The county's applied pages of its last finished snapshot run (nil while it runs or after a resync).
        var run: [PageRead] = []
        var tracking = false
        var pagesApplied = 0
        var checkedVersions = 0

        func deliver(_ node: Node, count: Int, grants: Set<String>) async throws {
            let sent = Array(node.unsent.prefix(count))
            guard let first = sent.first else { return }
            let now = EdgeWallClock().nowMs()
            let batch = Fixtures.batch(
                node: node.id, firstSeq: first.vector.counter(for: node.id), sent, clockMs: now)
            let outcome = try hub.applySync(batch: batch, policies: Self.policies, grants: grants, nowMs: now)
            #expect(outcome.ack.rejected.isEmpty, "\(context): hub refused \(outcome.ack.rejected)")
            if Bool.random(using: &random) || sent.count == node.unsent.count { node.unsent.removeFirst(sent.count) }
        }

        /// One snapshot page for `node`, as `ProvinceHub.snapshot` serves it, through the wire codec (or the
        /// answer lost). Returns true: pull again at once (a next page, or the feed from the position).
        func snapshotStep(_ node: Node, grants: Set<String>, limit: Int, lose: Bool) async throws -> Bool {
            let progress = try await node.store.snapshotProgress()
            let read = try await hub.snapshotPage(datasets: grants, after: progress?.next, limit: limit)
            #expect(read.entries.allSatisfy { grants.contains($0.dataset) }, "\(context): an ungranted dataset")
            if let progress, progress.position < read.horizon {  // compacted while it paged: 410, start again
                try await node.store.restartSnapshot()
                if node === county { run = [] }
                return true
            }
            let page = SnapshotPage(
                position: progress?.position ?? read.head, readAt: read.head, next: read.next, entries: read.entries)
            let decoded = try SnapshotCodec.decode(SnapshotCodec.encode(page, compress: Bool.random(using: &random)))
            #expect(decoded == page, "\(context): the page does not survive the wire")
            if lose { return true }
            let applied = try #require(try await node.store.applySnapshotPage(decoded, expected: progress))
            if node === county {
                if progress == nil { run = [] }
                run.append(PageRead(after: progress?.next, next: page.next, readAt: page.readAt))
                pagesApplied += 1
                tracking = applied.finished
            }
            return true  // after the last page, the feed from the position
        }

        /// Whether the county's last snapshot run did not already hold `version` (its page was read before it).
        func newAfterSnapshot(_ version: Version) async throws -> Bool {
            guard let page = run.first(where: { $0.covers(version) }) else {
                Issue.record("\(context): no page of the snapshot covers a key")
                return true
            }
            // The feed after the page's read, past any horizon (the test asks the table itself).
            let after = try await hub.pool.read { db in
                try FeedTable.page(
                    db, since: page.readAt, datasets: Self.countyGrants, excludingOrigin: Self.county, limit: 100_000)
            }
            return after.versions.contains(version)
        }

        /// One feed pull for `node`, each version applied alone (so its outcome is seen); a cursor older than the
        /// horizon sends the node through a snapshot. Returns whether the feed has more.
        func feedStep(_ node: Node, grants: Set<String>, limit: Int) async throws -> Bool {
            let since = try await node.store.downlinkCursor()
            let horizon = try await hub.feedHorizon()
            guard horizon == 0 || since >= horizon else {
                // The hub answers 410 snapshot_required; the node starts a snapshot.
                await #expect(throws: YiwangError.self) {
                    try await hub.feedPage(node: node.id, since: since, datasets: grants, limit: limit)
                }
                try await node.store.restartSnapshot()
                if node === county { tracking = false }
                return true
            }
            let page = try await hub.feedPage(node: node.id, since: since, datasets: grants, limit: limit)
            for version in page.versions {
                let applied = try #require(
                    try await node.store.applyDownlink([version], from: since, to: since, head: page.head))
                if node === county && tracking {
                    let expectedNew = try await newAfterSnapshot(version)
                    #expect(
                        (applied.applied == 1) == expectedNew,
                        "\(context): a feed version after the snapshot was \(applied.applied == 1 ? "applied" : "ignored")")
                    checkedVersions += 1
                }
            }
            _ = try await node.store.applyDownlink([], from: since, to: page.cursor, head: page.head)
            return page.more
        }

        func pull(_ node: Node, grants: Set<String>, limit: Int, lose: Bool = false) async throws -> Bool {
            if try await node.store.needsSnapshot() {
                return try await snapshotStep(node, grants: grants, limit: limit, lose: lose)
            }
            return try await feedStep(node, grants: grants, limit: limit)
        }

        for _ in 0..<80 {
            let writer = writers[Int.random(in: 0..<writers.count, using: &random)]
            switch Int.random(in: 0..<20, using: &random) {
            case 0..<6:
                let node = Int.random(in: 0..<4, using: &random) == 0 ? county : writer
                let datasets = node === county ? Self.countyGrants.sorted() : allDatasets.sorted()
                let dataset = datasets[Int.random(in: 0..<datasets.count, using: &random)]
                let key = Self.keys[Int.random(in: 0..<Self.keys.count, using: &random)]
                let write: LocalWrite =
                    Int.random(in: 0..<4, using: &random) == 0
                    ? .delete(dataset: dataset, key: key, actor: "p")
                    : .put(
                        dataset: dataset, key: key, actor: "p",
                        value: "{\"v\":\(Int.random(in: 0..<100, using: &random))}")
                if let version = try await node.store.apply(write) { node.unsent.append(version) }
            case 6..<9:
                try await deliver(writer, count: Int.random(in: 1...3, using: &random), grants: allDatasets)
            case 9..<11:
                _ = try await pull(writer, grants: allDatasets, limit: Int.random(in: 1...4, using: &random))
            case 11..<16:
                _ = try await pull(
                    county, grants: Self.countyGrants, limit: Int.random(in: 1...3, using: &random),
                    lose: Int.random(in: 0..<6, using: &random) == 0)
            case 16:
                county.store = try openCounty()  // a restart: the progress is what the file holds
            case 17:
                if Int.random(in: 0..<3, using: &random) == 0 {
                    try await county.store.resetDownlink()
                    tracking = false
                }
            case 18:
                try await hub.advanceFeedHorizon(to: try await hub.feedHead())  // compaction caught up
            default:
                _ = try await pull(county, grants: Self.countyGrants, limit: 1_000)
            }
        }

        // Quiescence: every write reaches the hub, then everyone pulls until there is nothing more.
        for node in writers {
            while !node.unsent.isEmpty { try await deliver(node, count: node.unsent.count, grants: allDatasets) }
        }
        while !county.unsent.isEmpty {
            try await deliver(county, count: county.unsent.count, grants: Self.countyGrants)
        }
        while try await pull(county, grants: Self.countyGrants, limit: 5) {}
        for node in writers { while try await pull(node, grants: allDatasets, limit: 7) {} }
        while try await pull(county, grants: Self.countyGrants, limit: 5) {}

        for dataset in Self.countyGrants.sorted() {
            let expected = try await hub.digest(dataset: dataset)
            let digest = try await county.store.digest(dataset: dataset)
            #expect(digest == expected, "\(context): the county diverges on \(dataset)")
            for node in writers {
                let got = try await node.store.digest(dataset: dataset)
                #expect(got == expected, "\(context): \(node.id) diverges")
                if got != expected, ProcessInfo.processInfo.environment["YIWANG_DEBUG"] != nil {
                    let sql = "SELECT key, vector, winner_vector, value, siblings IS NOT NULL AS s FROM records WHERE dataset = ? ORDER BY key"
                    let mine = try await node.store.pool.read { db in try Row.fetchAll(db, sql: sql, arguments: [dataset]).map(\.description) }
                    let hubs = try await hub.pool.read { db in try Row.fetchAll(db, sql: sql, arguments: [dataset]).map(\.description) }
                    print("DEBUG \(node.id) \(dataset)\n node: \(mine.filter { !hubs.contains($0) })\n hub:  \(hubs.filter { !mine.contains($0) })")
                }
            }
        }
        let ungranted = try await county.store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM records WHERE dataset = 'education'") ?? 0
        }
        #expect(ungranted == 0, "\(context): a dataset the county is not granted arrived")
        let conflicts = try await county.store.pool.read { db in
            try ConflictTable.list(db, dataset: nil, key: nil, limit: 100_000)
        }
        let pairs = conflicts.map { [$0.conflict.winner, $0.conflict.loser] }
        #expect(Set(pairs).count == pairs.count, "\(context): a conflict logged twice at the county")
        #expect(pagesApplied > 0, "\(context): the county never took a snapshot page")
        _ = checkedVersions
    }
}
