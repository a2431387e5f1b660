import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import YiwangCore
import YiwangHub
import YiwangTesting

/// Thousands of random and mutated `POST /v1/sync` bodies through the route, and random read paths: no crash,
/// no hang, every body answered with a 4xx, no 5xx, and the hub's state unchanged. `YIWANG_SEED` replays a run.
@Suite struct BatchFuzzTests {
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(.timeLimit(.minutes(3))) func randomAndMutatedBodiesChangeNothing() async throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["YIWANG_SEED"] ?? "") ?? UInt64.random(in: 1...1_000_000)
        var rng = Generator(state: seed)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let hub = try Fixtures.hub(in: dir, clock: clock)
        let now = clock.nowMs()
        let valid = BatchCodec.encode(
            Fixtures.batch(
                node: Fixtures.city, firstSeq: 1, Fixtures.versions(node: Fixtures.city, count: 5, hlcMs: now),
                clockMs: now))
        var bodies: [[UInt8]] = []
        for i in 0..<3_000 {
            var body: [UInt8]
            if i % 3 == 0 {
                body = (0..<Int.random(in: 0...512, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                body = valid
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    let at = Int.random(in: 0..<body.count, using: &rng)
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: body[at] ^= UInt8.random(in: 1...255, using: &rng)
                    case 1: body.removeSubrange(at..<min(body.count, at + Int.random(in: 1...16, using: &rng)))
                    default: body.insert(UInt8.random(in: 0...255, using: &rng), at: at)
                    }
                    if body.isEmpty { body = [0] }
                }
                if body == valid { body.append(0) }
            }
            bodies.append(body)
        }
        let cases = bodies
        let paths = (0..<1_000).map { _ in
            (0..<Int.random(in: 1...6, using: &rng)).map { _ in Int.random(in: 0..<1_000, using: &rng) }
        }
        try await HubServer.application(hub: hub).test(.router) { client in
            let before = try await hub.store.digest(dataset: "population")
            for (i, body) in cases.enumerated() {
                let response = try await client.execute(
                    uri: "/v1/sync", method: .post,
                    headers: [.contentType: HubRoutes.batchContentType, HubRoutes.nodeHeader: Fixtures.city],
                    body: ByteBuffer(bytes: body))
                #expect((400..<500).contains(Int(response.status.code)), "seed \(seed), case \(i)")
            }
            // Random paths and queries on the read API: never a server error.
            let pieces = ["v1", "records", "population", "nodes", "conflicts", "audit", "history", "digest", "%ff",
                "..", "430100", "", "head", "verify", "changes", "datasets", "%00", "户籍"]
            for (i, path) in paths.enumerated() {
                let uri = "/" + path.map { pieces[$0 % pieces.count] }.joined(separator: "/")
                    + "?limit=\(path.first ?? 0 - 5)&from=-\(i)&dataset=\(pieces[i % pieces.count])&expect=1:zz"
                let response = try await client.execute(uri: uri, method: .get)
                #expect(Int(response.status.code) < 500, "seed \(seed): GET \(uri)")
            }
            let after = try await hub.store.digest(dataset: "population")
            #expect(after == before && after.records == 0, "seed \(seed)")
            #expect(try await hub.store.verifyAudit(expecting: nil).isIntact)
        }
    }
}
