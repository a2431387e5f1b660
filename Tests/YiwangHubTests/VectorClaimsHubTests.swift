import Foundation
import Testing
import YiwangCore
import YiwangHub
import YiwangStore
import YiwangTesting

/// Issue 13, class 3: a node speaks only for itself, a hub only for what it received.
@Suite struct VectorClaimsHubTests {
    let now: Int64 = 1_800_000_000_000

    func send(_ hub: ProvinceHub, _ node: String, firstSeq: UInt64, _ versions: [Version]) async throws -> SyncAck {
        let batch = Fixtures.batch(node: node, firstSeq: firstSeq, versions, clockMs: now)
        return try await hub.sync(body: BatchCodec.encode(batch), claimedNode: node)
    }

    func held(_ hub: ProvinceHub, _ node: String) async throws -> UInt64? {
        try await hub.status(of: node).held
    }

    /// The issue's example: a huge counter claimed for another node, then that node's real, independent write.
    @Test(.timeLimit(.minutes(1))) func anotherNodesLaterWriteIsNotSilentlyObsolete() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let hub = try Fixtures.hub(in: dir, clock: ManualClock(now))
        let claim = Fixtures.version(
            node: Fixtures.city, counter: 1, key: "k", value: #"{"by":"city"}"#, hlcMs: now,
            extra: [Fixtures.otherCity: 1 << 40])
        let first = try await send(hub, Fixtures.city, firstSeq: 1, [claim])
        #expect(first.highWater == 1 && first.rejected.isEmpty)  // held back durably: the city may prune it

        let real = Fixtures.version(
            node: Fixtures.otherCity, counter: 1, key: "k", value: #"{"by":"other"}"#, hlcMs: now + 1)
        let second = try await send(hub, Fixtures.otherCity, firstSeq: 1, [real])
        #expect(second.rejected.isEmpty)
        let state = try #require(try await hub.store.record(dataset: "population", key: "k"))
        #expect(state.winner.value == #"{"by":"other"}"#)  // applied, not taken for obsolete
        #expect(try await hub.status(of: Fixtures.otherCity).changesApplied == 1)
        #expect(try await held(hub, Fixtures.city) == 1)
        #expect(try await hub.status(of: Fixtures.city).lastError?.contains("held back") == true)
    }

    @Test(.timeLimit(.minutes(1))) func aHeldChangeIsAppliedOnceTheHubHoldsWhatItCounts() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let hub = try Fixtures.hub(in: dir, clock: ManualClock(now))
        // The city saw the other city's k@5 (say, from a hub since restored from a backup) and wrote over it.
        let over = Fixtures.version(
            node: Fixtures.city, counter: 1, key: "k", value: #"{"by":"city"}"#, hlcMs: now + 10,
            extra: [Fixtures.otherCity: 5])
        _ = try await send(hub, Fixtures.city, firstSeq: 1, [over])
        #expect(try await held(hub, Fixtures.city) == 1)
        #expect(try await hub.status(of: Fixtures.city).lastError?.hasPrefix("held back") == true)
        #expect(try await hub.store.record(dataset: "population", key: "k") == nil)
        let report = String(decoding: try await hub.report().jsonBytes(), as: UTF8.self)
        #expect(report.contains(#""held":1"#))
        // The hub does not hold the city's change yet: however fresh its report, the city is not real-time.
        #expect(try await hub.status(of: Fixtures.city).state != .realtime)

        // Each of the other city's versions of k dominates the one before (as its own writes would).
        let chained = (1...5).map { i in
            Fixtures.version(
                node: Fixtures.otherCity, counter: UInt64(i), key: "k", value: #"{"by":"other\#(i)"}"#,
                hlcMs: now + Int64(i))
        }
        _ = try await send(hub, Fixtures.otherCity, firstSeq: 1, Array(chained.prefix(4)))
        #expect(try await held(hub, Fixtures.city) == 1)  // 4 of 5: still waiting
        _ = try await send(hub, Fixtures.otherCity, firstSeq: 5, [chained[4]])
        #expect(try await held(hub, Fixtures.city) == 0)
        let state = try #require(try await hub.store.record(dataset: "population", key: "k"))
        #expect(state.winner.value == #"{"by":"city"}"#)
        #expect(state.vector == VersionVector([Fixtures.city: 1, Fixtures.otherCity: 5]))
        #expect(try await hub.status(of: Fixtures.city).changesApplied == 1)
        #expect(try await hub.status(of: Fixtures.city).lastError == nil)  // no longer "held back"
        #expect(try await hub.status(of: Fixtures.city).state == .realtime)
        #expect(try await hub.store.conflicts(dataset: "population", key: "k", limit: 10).isEmpty)
        let after = String(decoding: try await hub.report().jsonBytes(), as: UTF8.self)
        #expect(!after.contains(#""held":1"#))
    }

    @Test(
        .timeLimit(.minutes(1)),
        arguments: [
            ("a counter for the hub", ["430000": 1]),
            ("a node outside the topology", ["999999": 1]),
            ("its own node beyond the change's sequence", [Fixtures.city: 9]),
        ])
    func claimsThatCanNeverComeTrueAreRefusedOnTheirOwn(_ problem: String, _ extra: [String: UInt64]) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let hub = try Fixtures.hub(in: dir, clock: ManualClock(now))
        var bad = Fixtures.version(node: Fixtures.city, counter: 1, key: "bad", hlcMs: now)
        var pairs: [String: UInt64] = [Fixtures.city: 1]
        pairs.merge(extra) { $1 }
        bad.vector = VersionVector(pairs)
        let good = Fixtures.version(node: Fixtures.city, counter: 2, key: "good", hlcMs: now)
        let ack = try await send(hub, Fixtures.city, firstSeq: 1, [bad, good])
        #expect(ack.rejected.map(\.seq) == [1], "\(problem)")
        #expect(ack.rejected.map(\.error) == ["invalid_vector"], "\(problem)")
        #expect(ack.highWater == 2)
        #expect(try await hub.store.record(dataset: "population", key: "bad") == nil)
        #expect(try await hub.store.record(dataset: "population", key: "good") != nil)  // never blocks the rest
        let status = try await hub.status(of: Fixtures.city)
        #expect(status.rejectedChanges == 1 && status.held == 0)
        let audit = try await hub.store.verifyAudit(expecting: nil)
        #expect(audit.isIntact)
    }

    @Test(.timeLimit(.minutes(1))) func heldChangesAreBoundedPerNodeAndRefusedBeyond() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        let scope = ClaimScope(hubID: "430000", nodes: [Fixtures.city, Fixtures.otherCity])
        let count = 10_001
        let versions = (1...count).map { i in
            Fixtures.version(
                node: Fixtures.city, counter: UInt64(i), key: "k\(i)", hlcMs: now, extra: [Fixtures.otherCity: 1])
        }
        let batch = Fixtures.batch(node: Fixtures.city, firstSeq: 1, versions, clockMs: now)
        let outcome = try await store.apply(
            batch: batch, policies: ["population": .lww], grants: ["population"], nowMs: now, scope: scope)
        #expect(outcome.ack.highWater == UInt64(count))
        #expect(outcome.ack.rejected.map(\.seq) == [UInt64(count)])
        #expect(outcome.ack.rejected.map(\.error) == ["held_limit"])
        #expect(try await store.node(Fixtures.city)?.heldChanges == 10_000)
    }
}
