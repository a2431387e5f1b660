import Foundation
import Testing
import YiwangCore
import YiwangHub
import YiwangStore
import YiwangTesting

/// Issue 13, class 11: a sequence the hub holds, resent with other content, is not a duplicate.
@Suite struct SequenceReuseHubTests {
    let now: Int64 = 1_800_000_000_000

    func send(_ hub: ProvinceHub, firstSeq: UInt64, keys: [String], hlcMs: Int64) async throws -> SyncAck {
        let versions = keys.enumerated().map { offset, key in
            Fixtures.version(node: Fixtures.city, counter: firstSeq + UInt64(offset), key: key, hlcMs: hlcMs)
        }
        let batch = Fixtures.batch(node: Fixtures.city, firstSeq: firstSeq, versions, clockMs: hlcMs)
        return try await hub.sync(body: BatchCodec.encode(batch), claimedNode: Fixtures.city)
    }

    @Test(.timeLimit(.minutes(1))) func reusedSequencesWithOtherContentAreRefusedNotAcknowledged() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock(now)
        let hub = try Fixtures.hub(in: dir, clock: clock)
        _ = try await send(hub, firstSeq: 1, keys: ["a", "b", "c", "d"], hlcMs: now)
        // A true resend is still a harmless duplicate.
        let resend = try await send(hub, firstSeq: 1, keys: ["a", "b", "c", "d"], hlcMs: now)
        #expect(resend.rejected.isEmpty && resend.highWater == 4)

        // The node's data was restored from a copy taken after seq 1; it writes again from seq 2.
        clock.advance(ms: 60_000)
        let ack = try await send(hub, firstSeq: 2, keys: ["x", "y", "z"], hlcMs: now + 60_000)
        #expect(ack.rejected.map(\.seq) == [2, 3, 4])
        #expect(Set(ack.rejected.map(\.error)) == ["sequence_reused"])
        #expect(ack.highWater == 4)
        #expect(try await hub.store.record(dataset: "population", key: "x") == nil)
        let status = try await hub.status(of: Fixtures.city)
        #expect(status.rejectedChanges == 3)
        #expect(status.lastError?.hasPrefix("sequence_reused") == true)
        #expect(try await hub.store.verifyAudit(expecting: nil).isIntact)
    }
}
