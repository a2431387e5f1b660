import Foundation
import Testing
import YiwangCore
import YiwangTesting

/// Issue 13, class 7 at the edge: a bulk import streams. A live `yiwang-edge` importing 128 MB of JSON
/// Lines keeps its peak memory far below the body's size (collecting the body held it twice over).
@Suite("Live bulk import memory", .serialized)
struct LiveBulkMemoryTests {
    /// The process's peak resident set (VmHWM), in bytes.
    static func peakRSS(pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
        let kilobytes = try #require(Int(line.split(separator: " ").dropFirst().first ?? ""))
        return kilobytes * 1024
    }

    @Test("a 128 MB import keeps the edge's peak memory under 96 MiB, and every line is written", .timeLimit(.minutes(5)))
    func bulkImportStreams() async throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-live-bulk")
        defer { dir.remove() }
        let edge = try await LiveEdge.start(in: dir, hubURL: "http://127.0.0.1:9", extra: ["--total-timeout", "240s"])
        let filler = String(repeating: "z", count: 4_000)
        var body: [UInt8] = []
        let lines = 32 * 1024
        body.reserveCapacity(lines * 4_040)
        for i in 0..<lines { body += Array(#"{"key":"bulk-\#(i)","value":{"s":"\#(filler)"}}"#.utf8) + [0x0A] }
        let before = try Self.peakRSS(pid: edge.process.pid)
        let client = LiveClient(totalTimeoutMs: 240_000)
        let response = try await client.http.send(
            method: "POST", url: "\(edge.baseURL)/v1/records/population", headers: [("X-Actor", "importer")],
            body: body)
        #expect(response.status == 200, "\(response.text.prefix(300))")
        let answer = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        #expect(answer?["puts"] as? Int == lines)
        let peak = try Self.peakRSS(pid: edge.process.pid)
        #expect(peak < 96 << 20, "peak RSS \(peak >> 20) MiB (before the import: \(before >> 20) MiB)")
        #expect(try await client.status(edge.baseURL)["highestSeq"] as? Int == lines)
    }
}
