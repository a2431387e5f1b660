import Foundation
import Logging
import Testing
import YiwangCore
import YiwangStore
import YiwangTesting

/// Snapshot bootstrap with real processes on loopback: a new county takes the province's state in pages while
/// another node keeps writing, and a county that was away beyond the hub's horizon comes back through a
/// snapshot with the province's deletes applied and its own concurrent edit still a conflict.
@Suite(.serialized) struct LiveSnapshotTests {
    /// `count` records written at `base` in one bulk request.
    static func bulk(_ province: LiveProvince, _ base: String, count: Int, prefix: String) async throws {
        let lines = (0..<count).map { #"{"key":"\#(prefix)-\#($0)","value":{"n":\#($0)}}"# }.joined(separator: "\n")
        let response = try await province.client.http.send(
            method: "POST", url: "\(base)/v1/records/population", headers: [("X-Actor", "importer")],
            body: Array(lines.utf8))
        try #require(response.status == 200, "bulk write answered \(response.status)")
    }

    /// The value of a counter in the hub's `/metrics`, 0 when absent.
    static func metric(_ province: LiveProvince, _ name: String) async throws -> Double {
        let text = try await province.client.http.send(method: "GET", url: "\(province.hubURL)/metrics")
        let line = String(decoding: text.body, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }

    @Test(.timeLimit(.minutes(1))) func aNewCountyBootstrapsWhileAnotherNodeWrites() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let province = try await LiveProvince.start(dir)
        let (city, cityURL) = try await province.startEdge("430100")
        try await Self.bulk(province, cityURL, count: 4_000, prefix: "p")
        let loaded = try await province.converge([cityURL])
        #expect(Set(loaded).count == 1, "the hub did not take the city's records: \(loaded)")

        // The city keeps writing (new records, edits, deletes) while the county pages through the snapshot.
        let client = province.client
        let writer = Task {
            var i = 0
            while !Task.isCancelled {
                let key = "p-\((i * 37) % 4_000)"
                if i % 5 == 4 {
                    _ = try? await client.http.send(
                        method: "DELETE", url: "\(cityURL)/v1/records/population/\(key)", headers: [("X-Actor", "clerk")])
                } else {
                    _ = try? await client.put(cityURL, key: i % 2 == 0 ? key : "new-\(i)", value: #"{"i":\#(i)}"#)
                }
                i += 1
            }
            return i
        }
        let (county, countyURL) = try await province.startEdge("430300")
        let paged = try await province.eventually(seconds: 15) {
            try await Self.metric(province, "yiwang_hub_snapshot_pages_served_total") >= 4
        }
        writer.cancel()
        let writes = await writer.value
        #expect(paged, "the county did not page through a snapshot")
        #expect(writes > 0)

        let digests = try await province.converge([cityURL, countyURL])
        #expect(Set(digests).count == 1, "the county does not hold the hub's state: \(digests)")
        // Two snapshots: the city at its start (an empty hub, position 0) and the county.
        #expect(try await Self.metric(province, "yiwang_hub_snapshots_started_total") == 2)
        let downlink = try #require(try await province.client.status(countyURL)["downlink"] as? [String: Any])
        #expect((downlink["cursor"] as? Int ?? 0) > 0, "the county's cursor is not past the snapshot's position")
        #expect(downlink["snapshot"] is NSNull, "the snapshot is still shown in progress")
        let log = (try? String(contentsOfFile: dir.file("edge-430300.log"), encoding: .utf8)) ?? ""
        #expect(log.contains("snapshot applied"))
        for process in [county, city, province.hub] { _ = await process.stop(SIGTERM, timeout: .seconds(8)) }
    }

    @Test(.timeLimit(.minutes(1))) func aCountyAwayBeyondTheHorizonComesBackThroughASnapshot() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var province = try await LiveProvince.start(dir)
        let (city, cityURL) = try await province.startEdge("430100")
        var (county, countyURL) = try await province.startEdge("430300")
        for key in ["gone", "edited", "kept"] { try await province.put(cityURL, key: key, value: #"{"v":1}"#) }
        let before = try await province.converge([cityURL, countyURL])
        #expect(Set(before).count == 1, "no common start: \(before)")

        // The county goes away; the province deletes one record and edits another.
        _ = await county.stop(SIGTERM, timeout: .seconds(8))
        let deleted = try await province.client.http.send(
            method: "DELETE", url: "\(cityURL)/v1/records/population/gone", headers: [("X-Actor", "clerk")])
        #expect(deleted.status == 200)
        try await province.put(cityURL, key: "edited", value: #"{"v":"province"}"#)
        _ = try await province.converge([cityURL])

        // The hub's journal is compacted past the county's cursor (the horizon moved to the head).
        _ = await province.hub.stop(SIGTERM, timeout: .seconds(8))
        do {
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let store = try HubStore(directory: dir.file("hub-data"), logger: logger)
            try await store.advanceFeedHorizon(to: try await store.feedHead())
        }
        // Meanwhile the county, cut off, edits the record the province edited.
        (county, countyURL) = try await province.startEdge("430300", hubURL: "http://127.0.0.1:9")
        try await province.put(countyURL, key: "edited", value: #"{"v":"county"}"#)
        _ = await county.stop(SIGTERM, timeout: .seconds(8))

        let hub = try DaemonProcess(
            "yiwang-hub",
            arguments: [
                "--listen", "127.0.0.1:0", "--data-dir", dir.file("hub-data"), "--topology", dir.file("topology.yaml"),
            ],
            logPath: dir.file("hub-2.log"))
        province = LiveProvince(directory: dir, hub: hub, hubURL: "http://\(try await hub.waitForAddress())")
        (county, countyURL) = try await province.startEdge("430300")
        let digests = try await province.converge([countyURL])
        #expect(Set(digests).count == 1, "the county does not hold the hub's state: \(digests)")
        let gone = try await province.client.http.send(method: "GET", url: "\(countyURL)/v1/records/population/gone")
        let goneBody = try? JSONSerialization.jsonObject(with: Data(gone.body)) as? [String: Any]
        #expect(
            gone.status == 404 || goneBody?["value"] is NSNull || goneBody?["value"] == nil,
            "a record deleted at the province is back at the county")
        #expect(try await province.value(countyURL, key: "kept") == #"{"v":1}"#)
        let conflicted = try await province.eventually(seconds: 10) {
            try await province.hubConflicts(key: "edited") == 1
        }
        #expect(conflicted, "the county's concurrent edit is not a conflict at the hub")
        let log = (try? String(contentsOfFile: dir.file("edge-430300.log"), encoding: .utf8)) ?? ""
        #expect(log.contains("bootstrapping from a snapshot"))
        for process in [county, city, hub] { _ = await process.stop(SIGTERM, timeout: .seconds(8)) }
    }
}
