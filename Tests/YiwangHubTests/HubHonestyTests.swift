import Foundation
import Testing
import YiwangAPI
import YiwangCore
import YiwangHub
import YiwangStore
import YiwangTesting

/// Issue 13, class 9: a change the hub refused (quarantined at the node) is one the hub lacks, and a node's
/// clock that is off is named, in the report an operator reads.
@Suite struct HubHonestyTests {
    let policies: [String: MergePolicy] = ["population": .lww]
    let grants: Set<String> = ["population"]
    let now: Int64 = 1_800_000_000_000

    func nodeStatus(_ store: HubStore, at nowMs: Int64) async throws -> NodeStatus {
        let node = try #require(try Fixtures.topology().nodes.first { $0.id == Fixtures.city })
        return NodeStatus(node: node, stored: try await store.node(Fixtures.city), thresholds: .default, nowMs: nowMs,
            hubID: "430000")
    }

    func heartbeat(
        firstSeq: UInt64 = 3, clockMs: Int64, quarantined: UInt64, oldestQuarantinedMs: Int64?, skewMs: Int64? = nil
    ) -> SyncBatch {
        let report = NodeReport(
            backlog: 0, oldestPendingMs: nil, oldestAfterBatchMs: nil, clockMs: clockMs,
            hlc: HLCTimestamp(wallMs: clockMs), quarantined: quarantined, oldestQuarantinedMs: oldestQuarantinedMs,
            clockSkewMs: skewMs)
        return SyncBatch(node: Fixtures.city, firstSeq: firstSeq, report: report, changes: [])
    }

    @Test(.timeLimit(.minutes(1))) func aRefusedChangeKeepsTheNodeOutOfRealtime() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        let versions = [
            Fixtures.version(node: Fixtures.city, counter: 1, key: "a", hlcMs: now),
            Fixtures.version(node: Fixtures.city, counter: 2, dataset: "finance", key: "b", hlcMs: now),
        ]
        let outcome = try await store.apply(
            batch: Fixtures.batch(node: Fixtures.city, firstSeq: 1, versions, clockMs: now), policies: policies,
            grants: grants, nowMs: now)
        #expect(outcome.ack.rejected.count == 1)
        // The node quarantines the refused change: the hub does not hold it, so the node is not realtime.
        var status = try await nodeStatus(store, at: now + 1_000)
        #expect(status.state == .lagging)
        #expect(status.quarantined == 1)

        // Its next reports carry the quarantined change; its age counts in the data age.
        _ = try await store.apply(
            batch: heartbeat(clockMs: now + 5_000, quarantined: 1, oldestQuarantinedMs: now), policies: policies,
            grants: grants, nowMs: now + 5_000)
        status = try await nodeStatus(store, at: now + 6_000)
        #expect(status.state == .lagging)
        #expect(status.dataAgeMs == 6_000)
        #expect(status.lastError?.contains("quarantined at the node") == true)
        #expect(status.lastError?.contains("unknown_dataset") == true, "the reason is named")
        status = try await nodeStatus(store, at: now + 2 * 3_600_000)
        #expect(status.state == .offline || status.state == .stale)

        // Dropped or re-queued and delivered: nothing is lacking, the node is realtime again, the note is gone.
        _ = try await store.apply(
            batch: heartbeat(clockMs: now + 10_000, quarantined: 0, oldestQuarantinedMs: nil), policies: policies,
            grants: grants, nowMs: now + 10_000)
        status = try await nodeStatus(store, at: now + 10_500)
        #expect(status.state == .realtime)
        #expect(status.lastError == nil)
    }

    @Test(.timeLimit(.minutes(1))) func quarantinedChangesCountInTheDataAge() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        _ = try await store.apply(
            batch: heartbeat(firstSeq: 1, clockMs: now, quarantined: 3, oldestQuarantinedMs: now - 2 * 3_600_000),
            policies: policies, grants: grants, nowMs: now)
        let status = try await nodeStatus(store, at: now)
        #expect(status.state == .stale)
        let twoHours: Int64 = 2 * 3_600_000
        #expect(status.dataAgeMs == twoHours)
        #expect(status.quarantined == 3)
    }

    static let skews: [(Int64, String)] = [
        (2 * 3_600_000, "clock 2h ahead of the hub"), (-2 * 3_600_000, "clock 2h behind the hub"),
    ]

    @Test(.timeLimit(.minutes(1)), arguments: skews)
    func aNodeClockOffIsNamed(skewMs: Int64, words: String) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try HubStore(directory: dir.path, logger: Fixtures.logger)
        // The node reports in the hub's time (its reference clock) and says how far its own clock is off.
        _ = try await store.apply(
            batch: heartbeat(firstSeq: 1, clockMs: now + 40, quarantined: 0, oldestQuarantinedMs: nil, skewMs: skewMs),
            policies: policies, grants: grants, nowMs: now)
        var status = try await nodeStatus(store, at: now)
        #expect(status.state == .realtime, "the hub holds everything; the clock alone does not make it late")
        #expect(abs(status.clockOffsetMs - skewMs) <= 40)
        #expect(status.lastError?.contains(words) == true)
        // Once the clock is fixed, the note goes.
        _ = try await store.apply(
            batch: heartbeat(firstSeq: 1, clockMs: now + 5_000, quarantined: 0, oldestQuarantinedMs: nil, skewMs: 15),
            policies: policies, grants: grants, nowMs: now + 5_000)
        status = try await nodeStatus(store, at: now + 5_000)
        #expect(status.lastError == nil)
    }
}
