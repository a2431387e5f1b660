import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import YiwangCore
import YiwangHTTP

/// A peer (a hostile or broken hub) that answers with more than the client takes in is cut off while it
/// sends: the request fails naming the limit, and the answer is never buffered whole.
@Suite struct CurlResponseLimitTests {
    static let limit = 1 << 20

    @Test(.timeLimit(.minutes(1))) func anAnswerOverTheLimitIsCutOffAndOneAtItIsTaken() async throws {
        let router = Router()
        router.get("/big/:bytes") { _, context in
            let bytes = Int(context.parameters.get("bytes") ?? "") ?? 0
            return Response(
                status: .ok, headers: [.contentType: "application/octet-stream"],
                body: .init(byteBuffer: ByteBuffer(repeating: 0x61, count: bytes)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            var configuration = CurlHTTPClient.Configuration()
            configuration.maxResponseBytes = Self.limit
            let curl = CurlHTTPClient(configuration: configuration)
            let atLimit = try await curl.send(method: "GET", url: "http://127.0.0.1:\(port)/big/\(Self.limit)")
            #expect(atLimit.status == 200 && atLimit.body.count == Self.limit)
            for over in [Self.limit + 1, 64 * Self.limit] {
                do {
                    _ = try await curl.send(method: "GET", url: "http://127.0.0.1:\(port)/big/\(over)")
                    Issue.record("an answer of \(over) bytes was taken in")
                } catch let error as YiwangError {
                    #expect(error.code == .transport)
                    #expect(error.message.contains("over \(Self.limit) bytes"), "\(error.message)")
                } catch {
                    Issue.record("not a YiwangError: \(error)")
                }
            }
            // The client still works after a refused answer (the handle is reset per request).
            let small = try await curl.send(method: "GET", url: "http://127.0.0.1:\(port)/big/10")
            #expect(small.body.count == 10)
        }
    }
}
