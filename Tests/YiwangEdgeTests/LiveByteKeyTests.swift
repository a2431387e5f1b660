import Foundation
import Testing
import YiwangTesting

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 13 class 4 through a real `yiwang-edge` and its HTTP parser: bytes that are not UTF-8 in the path
/// or in `X-Actor` are refused (the parser turns them into U+FFFD, which the edge refuses), never stored.
@Suite("Live edge: invalid UTF-8", .serialized)
struct LiveByteKeyTests {
    /// Sends `request` as is over a fresh TCP connection and returns the whole answer (the request closes).
    static func raw(_ baseURL: String, _ request: [UInt8]) throws -> String {
        let port = try #require(URLComponents(string: baseURL)?.port)
        let fd = try connectLoopback(port: port)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            answer += buffer[0..<n]
        }
        return String(decoding: answer, as: UTF8.self)
    }

    static func put(path: [UInt8], actor: [UInt8]) -> [UInt8] {
        var request = Array("PUT ".utf8) + path
        request += Array(" HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Actor: ".utf8) + actor
        request += Array("\r\nContent-Type: application/json\r\nContent-Length: 7\r\nConnection: close\r\n\r\n".utf8)
        request += Array("{\"a\":1}".utf8)
        return request
    }

    @Test(.timeLimit(.minutes(1))) func invalidBytesInPathOrActorAreRefusedNamingTheField() async throws {
        let dir = try TemporaryDirectory(prefix: "yiwang-live")
        defer { dir.remove() }
        let edge = try await LiveEdge.start(in: dir, hubURL: "http://127.0.0.1:9")
        let base = edge.baseURL
        let path = Array("/v1/records/population/".utf8)
        let ok = try Self.raw(base, Self.put(path: path + Array("k1".utf8), actor: Array("tester".utf8)))
        #expect(ok.hasPrefix("HTTP/1.1 200"), "\(ok.prefix(200))")

        let badActor = try Self.raw(base, Self.put(path: path + Array("k2".utf8), actor: [0x61, 0xFF, 0x62]))
        #expect(badActor.hasPrefix("HTTP/1.1 400"), "\(badActor.prefix(200))")
        #expect(badActor.contains("\"field\":\"actor\""))

        // A raw byte in the path: refused by the parser or by the edge, never stored as U+FFFD.
        let badPath = try Self.raw(base, Self.put(path: path + [0x6B, 0xFF], actor: Array("tester".utf8)))
        #expect(badPath.hasPrefix("HTTP/1.1 400"), "\(badPath.prefix(200))")
        let badEscape = try Self.raw(base, Self.put(path: path + Array("k%FF".utf8), actor: Array("tester".utf8)))
        #expect(badEscape.hasPrefix("HTTP/1.1 400") && badEscape.contains("\"field\":\"key\""))

        let digest = try await LiveClient().json("\(base)/v1/datasets/population/digest")
        #expect(digest["records"] as? Int == 1)
        #expect(await edge.process.stop(SIGTERM) == 0)
    }
}
