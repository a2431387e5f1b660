import Foundation
import Testing
import YiwangAPI
import YiwangCore

/// The node's answers as the node writes them and `yiwangctl` reads them: the same bytes as before the types
/// moved into `YiwangAPI`, and each decodes back to what was written.
@Suite struct EdgeBodiesTests {
    static let hostile = "湘 \"x\"\\\n\t"

    @Test func statusWritesEveryKeyAndReadsBack() throws {
        let status = EdgeStatus(
            nodeId: "430100", datasets: ["population"], backlog: .max, oldestPendingMs: nil, oldestPendingAgeMs: nil,
            lastSyncMs: 1_790_000_000_000, hubReachable: true, lastError: Self.hostile, quarantined: 2,
            highestSeq: 9, ackedThrough: 7, hubClockOffsetMs: -5,
            downlink: DownlinkStatus(cursor: 4, lag: nil, lastPullMs: nil, lastPullAgeMs: nil, lastError: nil))
        let bytes = try JSONCoding.encoder.encode(status)
        let object = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        #expect(object.count == 19, "every key, null when unknown")
        #expect(object["oldestPendingMs"] is NSNull && object["clock"] is NSNull && object["grants"] is NSNull)
        #expect(object["upstreams"] is NSNull)
        let downlink = try #require(object["downlink"] as? [String: Any])
        #expect(downlink.count == 6 && downlink["lag"] is NSNull && downlink["snapshot"] is NSNull)
        #expect(try JSONCoding.decoder.decode(EdgeStatus.self, from: bytes) == status)
    }

    @Test func upstreamsWriteEveryKeyAndReadBack() throws {
        let upstreams = UpstreamsStatus(
            inUse: 1, url: "https://hub", firstChoiceTryInMs: 0,
            list: [
                .init(
                    url: "https://city", id: nil, inUse: false, feedPosition: nil, lastError: Self.hostile,
                    lastErrorAgeMs: .max, lastAnswerAgeMs: nil),
                .init(
                    url: "https://hub", id: "430000", inUse: true, feedPosition: .max, lastError: nil,
                    lastErrorAgeMs: nil, lastAnswerAgeMs: 0),
            ])
        var status = EdgeStatus(
            nodeId: "430100", datasets: [], backlog: 0, oldestPendingMs: nil, oldestPendingAgeMs: nil, lastSyncMs: nil,
            hubReachable: nil, lastError: nil, quarantined: 0, highestSeq: 0, ackedThrough: 0, hubClockOffsetMs: nil,
            downlink: nil)
        status.upstreams = upstreams
        let bytes = try JSONCoding.encoder.encode(status)
        let object = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        let written = try #require(object["upstreams"] as? [String: Any])
        #expect(written.count == 4 && written["inUse"] as? Int == 1)
        let list = try #require(written["list"] as? [[String: Any]])
        #expect(list.count == 2 && list.allSatisfy { $0.count == 7 } && list[0]["id"] is NSNull)
        #expect(try JSONCoding.decoder.decode(EdgeStatus.self, from: bytes) == status)
    }

    @Test func grantsWriteEveryKeyAndReadBack() throws {
        let grants = GrantsStatus(
            basis: "stored", policiesConfirmed: true, granted: ["population", "social_security"],
            policies: ["population": "lww", "social_security": "siblings"], receivedAtMs: .max, receivedAgeMs: 0,
            notGranted: ["finance"], notHeld: [],
            policyOverrides: [.init(dataset: "social_security", configured: "lww", province: "siblings")],
            lastError: nil, notes: [Self.hostile])
        let status = EdgeStatus(
            nodeId: "430100", datasets: ["population"], backlog: 0, oldestPendingMs: nil, oldestPendingAgeMs: nil,
            lastSyncMs: nil, hubReachable: nil, lastError: nil, quarantined: 0, highestSeq: 0, ackedThrough: 0,
            hubClockOffsetMs: nil, downlink: nil, grants: grants)
        let bytes = try JSONCoding.encoder.encode(status)
        let object = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        let written = try #require(object["grants"] as? [String: Any])
        #expect(written.count == 11 && written["lastError"] is NSNull)
        #expect(try JSONCoding.decoder.decode(EdgeStatus.self, from: bytes) == status)
    }

    @Test func quarantineTextReadsBack() throws {
        let version = Version(
            dataset: "population", key: Self.hostile, vector: VersionVector(["430100": 3]),
            hlc: HLCTimestamp(wallMs: 1_790_000_000_000), origin: "430100", actor: "clerk.7", operation: .put,
            value: #"{"name":"Zhang San"}"#)
        let text = QuarantineBody.json([
            (version: version, seq: .max, reason: "unknown_dataset: \"x\"", committedAtMs: 12),
            (version: version, seq: 1, reason: nil, committedAtMs: 13),
        ])
        #expect(text.hasPrefix(#"{"quarantined":[{"dataset":"population","key":"#))
        #expect(text.contains(#""value":{"name":"Zhang San"},"seq":18446744073709551615,"reason":"#))
        let body = try JSONCoding.decoder.decode(QuarantineBody.self, from: Data(text.utf8))
        #expect(body.quarantined.map(\.seq) == [.max, 1])
        #expect(body.quarantined[0].reason == "unknown_dataset: \"x\"" && body.quarantined[1].reason == "")
        #expect(body.quarantined[0].version.key == Self.hostile && body.quarantined[0].version.actor == "clerk.7")
        #expect(body.quarantined[1].committedAtMs == 13)
        #expect(QuarantineBody.json([]) == #"{"quarantined":[]}"#)
    }

    @Test func answersKeepTheirBytes() throws {
        #expect(ResyncAnswer(previousCursor: .max).json == #"{"resync":true,"previousCursor":9223372036854775807}"#)
        let resync = try JSONCoding.decoder.decode(ResyncAnswer.self, from: Data(#"{"resync":true,"previousCursor":4}"#.utf8))
        #expect(resync == ResyncAnswer(previousCursor: 4))
        #expect(
            String(decoding: try JSONCoding.encoder.encode(DropAnswer(seq: 3, dropped: true, auditSeq: 1)), as: UTF8.self)
                == #"{"auditSeq":1,"dropped":true,"seq":3}"#)
        #expect(
            String(decoding: try JSONCoding.encoder.encode(RequeueAnswer(seq: 3, newSeq: 10)), as: UTF8.self)
                == #"{"newSeq":10,"seq":3}"#)
        #expect(String(decoding: try JSONEncoder().encode(DropRequest(reason: "typo")), as: UTF8.self) == #"{"reason":"typo"}"#)
    }
}
