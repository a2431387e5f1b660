import Foundation
import Testing
import YiwangCore
import YiwangStore
import YiwangTesting

/// Random schedules of local writes, uplink deliveries (in order, in random chunks, sometimes resent) and
/// downlink pulls (random page sizes, sometimes a resync) between a hub and three replicas, on the real
/// stores (temporary SQLite files): at quiescence every replica holds the hub's state, byte for byte.
@Suite struct FeedConvergenceTests {
    static let nodes = ["430100", "430200", "430300"]
    static let policies: [String: MergePolicy] = ["population": .lww, "social_security": .siblings]
    static let keys = ["a", "b", "c"]

    /// One replica: its store and the versions it wrote that the hub has not acknowledged yet.
    final class Replica {
        let node: String
        let store: EdgeStore
        var unsent: [Version] = []
        init(node: String, store: EdgeStore) {
            self.node = node
            self.store = store
        }
    }

    @Test(.timeLimit(.minutes(2)), arguments: 0..<12)
    func randomSchedulesConverge(schedule: Int) async throws {
        let seed =
            ProcessInfo.processInfo.environment["YIWANG_SEED"].flatMap(UInt64.init)
            ?? UInt64.random(in: 1...UInt64.max)
        var random = SplitMix64(seed: seed &+ UInt64(schedule))
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let hub = try HubStore(directory: try dir.subdirectory("hub"), logger: Fixtures.logger)
        let grants = Set(Self.policies.keys)
        var replicas: [Replica] = []
        for node in Self.nodes {
            let store = try EdgeStore(
                directory: try dir.subdirectory(node), nodeID: node, policies: Self.policies, logger: Fixtures.logger)
            replicas.append(Replica(node: node, store: store))
        }

        func deliverUplink(_ replica: Replica, count: Int) async throws {
            let sent = Array(replica.unsent.prefix(count))
            guard let first = sent.first else { return }
            let now = EdgeWallClock().nowMs()
            let batch = Fixtures.batch(
                node: replica.node, firstSeq: first.vector.counter(for: replica.node), sent, clockMs: now)
            let outcome = try hub.applySync(batch: batch, policies: Self.policies, grants: grants, nowMs: now)
            #expect(outcome.ack.rejected.isEmpty, "seed \(seed): hub refused \(outcome.ack.rejected)")
            // Sometimes the acknowledgement is "lost": the node resends the same entries later.
            if Bool.random(using: &random) || sent.count == replica.unsent.count {
                replica.unsent.removeFirst(sent.count)
            }
        }

        func pull(_ replica: Replica, limit: Int) async throws -> Bool {
            let since = try await replica.store.downlinkCursor()
            let page = try await hub.feedPage(node: replica.node, since: since, datasets: grants, limit: limit)
            _ = try await replica.store.applyDownlink(page.versions, from: since, to: page.cursor, head: page.head)
            return page.more
        }

        for _ in 0..<40 {
            let replica = replicas[Int.random(in: 0..<replicas.count, using: &random)]
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<4:
                let dataset = Bool.random(using: &random) ? "population" : "social_security"
                let key = Self.keys[Int.random(in: 0..<Self.keys.count, using: &random)]
                let write: LocalWrite =
                    Int.random(in: 0..<5, using: &random) == 0
                    ? .delete(dataset: dataset, key: key, actor: "p")
                    : .put(
                        dataset: dataset, key: key, actor: "p",
                        value: "{\"v\":\(Int.random(in: 0..<100, using: &random))}")
                if let version = try await replica.store.apply(write) { replica.unsent.append(version) }
            case 4..<7:
                try await deliverUplink(replica, count: Int.random(in: 1...3, using: &random))
            case 7..<9:
                _ = try await pull(replica, limit: Int.random(in: 1...4, using: &random))
            default:
                try await replica.store.resetDownlink()
            }
        }

        // Quiescence: every write reaches the hub, then every replica pulls until the feed has nothing more.
        for replica in replicas {
            while !replica.unsent.isEmpty { try await deliverUplink(replica, count: replica.unsent.count) }
        }
        for replica in replicas {
            while try await pull(replica, limit: 7) {}
        }
        for dataset in Self.policies.keys.sorted() {
            let expected = try await hub.digest(dataset: dataset)
            for replica in replicas {
                let digest = try await replica.store.digest(dataset: dataset)
                #expect(
                    digest == expected,
                    "seed \(seed) schedule \(schedule): \(replica.node) diverges on \(dataset); YIWANG_SEED=\(seed)"
                )
            }
        }
        #expect(try await hub.feedHead() > 0)
    }
}

