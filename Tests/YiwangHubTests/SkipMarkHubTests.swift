import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import YiwangAPI
import YiwangCore
import YiwangHTTP
import YiwangHub
import YiwangStore
import YiwangTesting

/// A skip mark (protocol 2) through the hub's real routes: a change the hub refused as a whole single-change
/// batch no longer pins the node's stream; the hub records the refusal, moves its high water past it and
/// releases what waited for it; the node's report shows the change quarantined; the audit stays verifiable.
@Suite struct SkipMarkHubTests {
    static let reason = "malformed_batch: change 3 does not decode"

    static func skip(_ seq: UInt64, node: String = Fixtures.city, clockMs: Int64, quarantinedSinceMs: Int64)
        -> SyncBatch
    {
        let report = NodeReport(
            backlog: 0, oldestPendingMs: nil, oldestAfterBatchMs: nil, clockMs: clockMs,
            hlc: HLCTimestamp(wallMs: clockMs), quarantined: 1, oldestQuarantinedMs: quarantinedSinceMs)
        return SyncBatch(node: node, firstSeq: seq, report: report, changes: [], skip: SkipMark(reason: reason))
    }

    static func ack(_ response: TestResponse) throws -> SyncAck {
        try JSONDecoder().decode(SyncAck.self, from: Data(response.body.readableBytesView))
    }

    @Test(.timeLimit(.minutes(1))) func aSkippedSequenceIsRecordedUnpinsTheStreamAndStaysVerifiable() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        let now = clock.nowMs()
        let city = try await hub.store.issueCredential(name: Fixtures.city, role: .node, nowMs: now)
        let other = try await hub.store.issueCredential(name: Fixtures.otherCity, role: .node, nowMs: now)
        let reader = try await hub.store.issueCredential(name: "ops", role: .reader, nowMs: now)
        try await HubServer.application(hub: hub).test(.router) { client in
            func post(_ batch: SyncBatch, token: String) async throws -> TestResponse {
                try await HubSecurityTests.post(client, batch, node: batch.node, token: token)
            }
            func skipEntries() async throws -> [AuditEntry] {
                try await hub.store.auditEntries(from: 1, limit: 1000).filter { $0.kind == SkippedSequence.auditKind }
            }
            let first = Fixtures.batch(
                node: Fixtures.city, firstSeq: 1, Fixtures.versions(node: Fixtures.city, count: 2, hlcMs: now),
                clockMs: now)
            #expect(try Self.ack(try await post(first, token: city)).highWater == 2)
            // The other city saw the city's seq 3 (it never reached the hub): held until the hub holds it.
            let counting = Fixtures.version(
                node: Fixtures.otherCity, counter: 1, key: "waits", hlcMs: now, extra: [Fixtures.city: 3])
            _ = try await post(
                Fixtures.batch(node: Fixtures.otherCity, firstSeq: 1, [counting], clockMs: now), token: other)
            #expect(try await hub.status(of: Fixtures.otherCity).held == 1)

            // Someone else's credential cannot skip the city's stream.
            clock.advance(ms: 1_000)
            let forged = try await post(
                Self.skip(3, clockMs: clock.nowMs(), quarantinedSinceMs: now), token: other)
            #expect(forged.status == .forbidden)
            #expect(try await hub.store.node(Fixtures.city)?.highWater == 2)
            #expect(try await skipEntries().isEmpty)

            // The city skips seq 3, which it holds quarantined.
            let skipped = try await post(Self.skip(3, clockMs: clock.nowMs(), quarantinedSinceMs: now), token: city)
            #expect(skipped.status == .ok)
            let ack = try Self.ack(skipped)
            #expect(ack.highWater == 3 && ack.expectedSeq == nil && ack.rejected.isEmpty)
            let refusals = try await hub.store.rejectedChanges(node: Fixtures.city)
            #expect(refusals.map(\.seq) == [3] && refusals.first?.code == SkippedSequence.code)
            #expect(refusals.first?.message == Self.reason)
            let entries = try await skipEntries()
            #expect(entries.count == 1)
            #expect(entries.first?.node == Fixtures.city && entries.first?.dataset == "" && entries.first?.key == "")
            #expect(entries.first?.detail == AuditDetail.skipped(seq: 3, reason: Self.reason))

            // The report shows it: quarantined at the node, the skip as the last refusal; not real-time.
            let status = try JSONDecoder().decode(
                NodeStatus.self,
                from: Data(
                    try await HubSecurityTests.get(client, "/v1/nodes/\(Fixtures.city)", token: reader)
                        .body.readableBytesView))
            #expect(status.highWater == 3 && status.quarantined == 1 && status.rejectedChanges == 1)
            #expect(status.lastError?.contains("(last: skipped: \(Self.reason) (seq 3))") == true)
            #expect(status.state != .realtime)
            // What waited for the city's seq 3 is merged now.
            #expect(try await hub.status(of: Fixtures.otherCity).held == 0)
            #expect(try await hub.store.record(dataset: "population", key: "waits") != nil)

            // The stream goes on past it; a resent skip is a harmless duplicate; one past the next is a gap.
            let next = Fixtures.batch(
                node: Fixtures.city, firstSeq: 4,
                Fixtures.versions(node: Fixtures.city, count: 1, from: 4, hlcMs: clock.nowMs()), clockMs: clock.nowMs())
            #expect(try Self.ack(try await post(next, token: city)).highWater == 4)
            let again = try Self.ack(
                try await post(Self.skip(3, clockMs: clock.nowMs(), quarantinedSinceMs: now), token: city))
            #expect(again.highWater == 4 && again.expectedSeq == nil)
            let gap = try Self.ack(
                try await post(Self.skip(9, clockMs: clock.nowMs(), quarantinedSinceMs: now), token: city))
            #expect(gap.highWater == 4 && gap.expectedSeq == 5)
            #expect(try await skipEntries().count == 1)
            #expect(try await hub.store.rejectedChanges(node: Fixtures.city).count == 1)

            // Audit verify (chain and records) and blame are unaffected by an entry that changes no record.
            #expect(try await hub.store.verifyAudit(expecting: nil).isIntact)
            let verify = try JSONDecoder().decode(
                AuditVerifyBody.self,
                from: Data(
                    try await HubSecurityTests.get(client, "/v1/audit/verify", token: reader).body.readableBytesView))
            #expect(verify.intact && verify.problem == nil)
            let history = try JSONDecoder().decode(
                HistoryBody.self,
                from: Data(
                    try await HubSecurityTests.get(client, "/v1/records/population/key-4/history", token: reader)
                        .body.readableBytesView))
            #expect(history.versions.map(\.origin) == [Fixtures.city])
            #expect(!String(buffer: skipped.body).contains("Li"))
        }
        // The offline verify (`yiwangctl audit verify --file`) finds an edited skip entry like any other.
        let head = try await hub.store.auditHead()
        try hub.store.close()
        let original = dir.file("hub.sqlite")
        #expect(try AuditFile.verify(path: original, expecting: head).1.isIntact)
        let copy = dir.file("edited.sqlite")
        try FileManager.default.copyItem(atPath: original, toPath: copy)
        if FileManager.default.fileExists(atPath: original + "-wal") {
            try FileManager.default.copyItem(atPath: original + "-wal", toPath: copy + "-wal")
        }
        try await DatabaseQueue(path: copy).write { db in
            try db.execute(
                sql: "UPDATE audit SET detail = replace(detail, '\"seq\":3', '\"seq\":4') WHERE kind = 'skip'")
            #expect(db.changesCount == 1)
        }
        #expect(!(try AuditFile.verify(path: copy, expecting: head).1.isIntact))
    }

    /// A node on protocol 1 cannot send a skip: its batches read as before, and a skip is always version 2.
    @Test func aSkipMarkIsAlwaysWrittenAsProtocolTwo() throws {
        let bytes = BatchCodec.encode(Self.skip(3, clockMs: 1, quarantinedSinceMs: 1), version: .v1)
        #expect(ProtocolVersion.of(magic: bytes) == .v2)
        #expect(try BatchCodec.decode(bytes).skip == SkipMark(reason: Self.reason))
    }
}
