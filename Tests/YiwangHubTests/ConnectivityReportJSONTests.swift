import Foundation
import Testing
import YiwangCore
import YiwangHTTP
import YiwangHub
import YiwangStore

/// `GET /v1/nodes` is written by hand; what `yiwangctl status` and scripts read must not change.
@Suite struct ConnectivityReportJSONTests {
    /// A report with every state, null and non-null optionals, errors with quotes, newlines and non-ASCII text.
    static func report(names: [String] = ["Xingcheng \"City\"", "湘城县", "Line\nbreak\\"]) throws
        -> ConnectivityReport
    {
        let now: Int64 = 1_790_000_000_000
        var nodes: [Topology.Node] = []
        var stored: [String: HubNodeRecord] = [:]
        for index in 0..<40 {
            let id = "43\(String(format: "%04d", index + 100))"
            nodes.append(
                Topology.Node(
                    id: id, name: names[index % names.count] + " \(index)", level: index < 14 ? "city" : "county",
                    parent: "430000", datasets: ["population"]))
            guard index % 5 != 0 else { continue }  // never seen
            var record = HubNodeRecord(id: id)
            // realtime, lagging (data 36 s old), stale (data 2 h old) below 10; offline from 10 on.
            record.lastContactMs = now - Int64(index) * (index < 10 ? 3_000 : 37_000)
            record.dataAsOfMs = index % 7 == 1 ? now - 7_200_000 : now - Int64(index) * 4_000
            record.highWater = UInt64(index) * 1_000_003
            record.backlog = UInt64(index % 3) * 17
            record.changesApplied = index == 7 ? UInt64.max : UInt64(index) * 999
            record.conflicts = UInt64(index % 4)
            record.rejectedBatches = UInt64(index % 2)
            record.rejectedChanges = UInt64(index % 6)
            record.clockOffsetMs = Int64(index - 20) * 1_234
            if index % 4 == 2 { record.relayPath = [id, "430100"] }  // relayed by a city; the others direct
            if index % 3 == 0 {
                record.lastError = "invalid_vector: \"bad\" vector\tat seq \(index) — 拒绝"
                record.lastErrorAtMs = now - 5_000
            }
            stored[id] = record
        }
        let topology = try Topology(
            hub: .init(id: "430000", name: "Province hub"), nodes: nodes, policies: ["population": .lww])
        var report = ConnectivityReport(
            topology: topology, stored: stored, thresholds: ConnectivityThresholds(), nowMs: now)
        for index in report.nodes.indices where index % 4 == 1 {
            report.nodes[index].downlinkCursor = Int64(index) * 11
            report.nodes[index].downlinkLag = Int64(index)
            report.nodes[index].lastPullMs = now - 1_000
        }
        for index in report.nodes.indices where index % 3 != 0 {
            report.nodes[index].protocolVersion = index % 3 == 1 ? 1 : 2  // a rollout half done; some never synced
        }
        return report
    }

    @Test func sameBytesAsTheEncoder() throws {
        let report = try Self.report()
        #expect(Set(report.nodes.map(\.state)).count == ConnectivityState.allCases.count)
        let expected = [UInt8](try JSONCoding.encoder.encode(report))
        #expect(String(decoding: report.jsonBytes(), as: UTF8.self) == String(decoding: expected, as: UTF8.self))
        let node = try #require(report.nodes.first { $0.lastError != nil && $0.downlinkCursor != nil })
        #expect(node.jsonBytes() == [UInt8](try JSONCoding.encoder.encode(node)))
    }

    /// The path as scripts read it: relayed through its city, direct, never seen.
    @Test func thePathIsTheWayTheLastReportCameToTheHubInclusive() throws {
        let report = try Self.report()
        let relayed = try #require(report.nodes.first { $0.id == "430106" })
        let direct = try #require(report.nodes.first { $0.id == "430101" })
        let never = try #require(report.nodes.first { $0.id == "430100" })
        func text(_ node: NodeStatus) -> String { String(decoding: node.jsonBytes(), as: UTF8.self) }
        #expect(text(relayed).contains(#""parent":"430000","path":["430106","430100","430000"],"protocolVersion""#))
        #expect(text(direct).contains(#""parent":"430000","path":["430101","430000"],"protocolVersion""#))
        #expect(text(never).contains(#""parent":"430000","path":null,"protocolVersion""#))
        #expect(relayed.via == "430100" && direct.via == nil && never.via == nil)
        let table = report.renderTable(colour: false)
        let header = try #require(table.split(separator: "\n").first { $0.hasPrefix("STATE") })
        #expect(header.contains("  LEVEL   VIA     PROTO"))
        let row = try #require(table.split(separator: "\n").first { $0.contains("430106") })
        #expect(row.contains(" 430100 "))
        let directRow = try #require(table.split(separator: "\n").first { $0.contains("430101") })
        #expect(!directRow.contains(" 430100 "))
    }

    @Test(arguments: ["\u{0}\u{1}\u{8}\u{c}\u{1f}", "\u{7f}/\u{2028}", "😀 \\\" end"])
    func anyTextReadsBackTheSame(_ odd: String) throws {
        let report = try Self.report(names: [odd, "plain"])
        let decoded = try JSONCoding.decoder.decode(ConnectivityReport.self, from: Data(report.jsonBytes()))
        #expect(decoded == report)
    }
}
