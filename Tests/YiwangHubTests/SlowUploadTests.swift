import Foundation
import Testing
import YiwangCore
import YiwangHTTP
import YiwangHub
import YiwangTesting

#if canImport(Glibc)
import Glibc
#endif

/// Issue 13 class 6: one slow node cannot stall the others. Real `yiwang-hub`, real sockets: uploads that
/// trickle in hold no admission permit, and are cut off at the body deadline.
@Suite struct SlowUploadTests {
    @Test(.timeLimit(.minutes(1))) func slowUploadsStallNoOtherNodeAndAreCutAtTheDeadline() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let topology = dir.file("topology.yaml")
        try Fixtures.topologyYAML.write(toFile: topology, atomically: true, encoding: .utf8)
        let hub = try DaemonProcess(
            "yiwang-hub",
            arguments: [
                "--listen", "127.0.0.1:0", "--data-dir", dir.file("data"), "--topology", topology,
                "--body-read-timeout", "3s",
            ],
            logPath: dir.file("hub.log"))
        defer { hub.signal(SIGKILL) }
        let base = try await hub.baseURL()
        let port = try #require(Int(base.split(separator: ":").last ?? ""))

        // More uploads held open than the hub admits batches at once (4): each sent its headers and a few
        // bytes of a 1 MB body, and then nothing.
        let slow = try (0..<8).map { _ in try SlowUpload(port: port, node: Fixtures.city, claimedBytes: 1_000_000) }
        defer { slow.forEach { $0.close() } }
        try await Task.sleep(for: .milliseconds(300))

        let client = CurlHTTPClient()
        let now = SystemWallClock().nowMs()
        let beat = Fixtures.batch(node: Fixtures.otherCity, firstSeq: 1, [], clockMs: now)
        let started = ContinuousClock.now
        let response = try await client.send(
            method: "POST", url: "\(base)/v1/sync",
            headers: [("Content-Type", HubRoutes.batchContentType), ("X-Yiwang-Node", Fixtures.otherCity)],
            body: BatchCodec.encode(beat))
        let elapsed = ContinuousClock.now - started
        #expect(response.status == 200)
        #expect(elapsed < .seconds(1), "another node's heartbeat waited \(elapsed) behind slow uploads")

        // The trickling uploads are refused at the deadline (408), and the hub keeps serving.
        for upload in slow {
            let answer = upload.readResponse(timeout: .seconds(10))
            #expect(answer.hasPrefix("HTTP/1.1 408"), "a slow upload got \(answer.prefix(40).debugDescription)")
        }
        let health = try await client.send(method: "GET", url: "\(base)/healthz")
        #expect(health.status == 200)
        let node = try await client.send(method: "GET", url: "\(base)/v1/nodes/\(Fixtures.otherCity)")
        #expect(try JSONDecoder().decode(NodeStatus.self, from: Data(node.body)).lastContactMs != nil)
    }
}

/// A plain TCP `POST /v1/sync` that sends its headers and a few bytes of the body it announced, then stops.
private final class SlowUpload: Sendable {
    let fd: Int32

    init(port: Int, node: String, claimedBytes: Int) throws {
        fd = try connectLoopback(port: port)
        let head = "POST /v1/sync HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: \(HubRoutes.batchContentType)\r\n"
            + "X-Yiwang-Node: \(node)\r\nContent-Length: \(claimedBytes)\r\n\r\n"
        let bytes = Array(head.utf8) + Array(ProtocolVersion.v1.magic)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// What the hub answered, up to 200 bytes, or "" if nothing came in time.
    func readResponse(timeout: Duration) -> String {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ms = Int32(timeout.components.seconds * 1000)
        guard poll(&poller, 1, ms) == 1 else { return "" }
        var buffer = [UInt8](repeating: 0, count: 200)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : ""
    }

    func close() { _ = Glibc.close(fd) }
}
