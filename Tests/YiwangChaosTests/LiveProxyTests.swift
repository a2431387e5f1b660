import Logging
import NIOCore
import Testing
import YiwangChaos
import YiwangCore
import YiwangHTTP

/// The proxy on loopback in front of a real upstream, checked the way a client would notice each fault.
@Suite(.timeLimit(.minutes(1))) struct LiveProxyTests {
    static let logger = Logger(label: "yiwang-chaos-tests")

    private func withProxy(
        upstream: LoopbackServer, seed: UInt64 = 1, _ body: (FaultProxy, HostPort) async throws -> Void
    ) async throws {
        let proxy = FaultProxy(
            configuration: .init(listen: HostPort(host: "127.0.0.1", port: 0), upstream: upstream.address, seed: seed),
            logger: Self.logger)
        let address = try await proxy.start()
        do {
            try await body(proxy, address)
        } catch {
            await proxy.stop()
            await upstream.close()
            throw error
        }
        await proxy.stop()
        await upstream.close()
    }

    private func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SplitMix64(seed: UInt64(count))
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    @Test func withoutFaultsBytesPassUnchanged() async throws {
        try await withProxy(upstream: try await .echo()) { proxy, address in
            let payload = randomBytes(300_000)
            let result = await exchange(with: address, send: payload, expect: payload.count)
            #expect(result.ending == .complete)
            #expect(result.received == payload)
            #expect(proxy.stats.upstreamBytesForwarded == payload.count)
            #expect(proxy.stats.downstreamBytesForwarded == payload.count)
        }
    }

    @Test func downClosesNewConnectionsAndHealRestoresThem() async throws {
        try await withProxy(upstream: try await .echo()) { proxy, address in
            try proxy.add(.down())
            let refused = await exchange(with: address, send: Array("ping".utf8), expect: 4)
            #expect(refused.received.isEmpty)
            #expect(refused.ending == .failed || refused.ending == .closed)
            #expect(refused.elapsed < .seconds(5))
            #expect(proxy.stats.connectionsRefused == 1)
            #expect(proxy.heal().map(\.type) == [.down])
            let healed = await exchange(with: address, send: Array("ping".utf8), expect: 4)
            #expect(healed.ending == .complete && healed.received == Array("ping".utf8))
        }
    }

    @Test func downResetsOpenConnections() async throws {
        try await withProxy(upstream: try await .echo()) { proxy, address in
            // Waits for more than it sends, so the connection stays open until the fault arrives.
            async let open = exchange(with: address, send: Array("ping".utf8), expect: 100)
            try await waitUntil { proxy.stats.downstreamBytesForwarded == 4 }
            try proxy.add(.down())
            let result = await open
            #expect(result.ending == .failed)
            #expect(result.received == Array("ping".utf8))
            #expect(result.elapsed < .seconds(5))
        }
    }

    @Test func blackholeOnlyTimesOutThenHealPasses() async throws {
        try await withProxy(upstream: try await .echo()) { proxy, address in
            try proxy.add(.blackhole(direction: .downstream))
            // Long enough for the request to reach the parent even on a busy machine; the answer never comes.
            let cut = await exchange(with: address, send: Array("ping".utf8), expect: 4, timeout: .seconds(3))
            #expect(cut.ending == .timedOut)
            #expect(cut.received.isEmpty)
            // The parent got the request and its answer was dropped: a one-way partition. The counters may
            // lag the client's timeout on a busy machine, so wait for them (bounded).
            let deadline = ContinuousClock.now + .seconds(10)
            while (proxy.stats.upstreamBytesForwarded < 4 || proxy.stats.downstreamBytesDropped < 4)
                && ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(proxy.stats.upstreamBytesForwarded == 4)
            #expect(proxy.stats.downstreamBytesDropped == 4)
            proxy.heal()
            let healed = await exchange(with: address, send: Array("ping".utf8), expect: 4)
            #expect(healed.ending == .complete)
        }
    }

    @Test func latencyDelaysTheRoundTrip() async throws {
        try await withProxy(upstream: try await .echo()) { proxy, address in
            try proxy.add(.latency(ms: 200, jitterMs: 20, direction: .downstream))
            let payload = randomBytes(5_000)
            let result = await exchange(with: address, send: payload, expect: payload.count)
            #expect(result.received == payload)
            #expect(result.elapsed >= .milliseconds(180))
        }
    }

    @Test func latencyDelaysAnHTTPRequest() async throws {
        try await withProxy(upstream: try await .http(bodyBytes: 100)) { proxy, address in
            try proxy.add(.latency(ms: 200))
            let client = CurlHTTPClient(configuration: .init(totalTimeoutMs: 10_000))
            let start = ContinuousClock.now
            let response = try await client.send(method: "GET", url: "http://\(address)/")
            #expect(response.status == 200 && response.body.count == 100)
            #expect(ContinuousClock.now - start >= .milliseconds(400))  // 200 ms each way
        }
    }

    @Test func limitDataCutsTheResponseMidway() async throws {
        try await withProxy(upstream: try await .http(bodyBytes: 10_000)) { proxy, address in
            try proxy.add(.limitData(bytes: 1_000, direction: .downstream))
            let request = Array("GET / HTTP/1.1\r\nHost: hub\r\n\r\n".utf8)
            let raw = await exchange(with: address, send: request, expect: 20_000)
            #expect(raw.ending == .closed)
            #expect(raw.received.count == 1_000)
            #expect(String(decoding: raw.received.prefix(15), as: UTF8.self) == "HTTP/1.1 200 OK")
            let client = CurlHTTPClient(configuration: .init(totalTimeoutMs: 10_000))
            await #expect(throws: YiwangError.self) {
                _ = try await client.send(method: "GET", url: "http://\(address)/")
            }
            #expect(proxy.stats.connectionsCut == 2)
        }
    }

    @Test func resetPeerResetsAfterTheDelay() async throws {
        try await withProxy(upstream: try await .echo()) { proxy, address in
            try proxy.add(.resetPeer(afterMs: 150))
            let result = await exchange(with: address, send: Array("ping".utf8), expect: 100)
            #expect(result.ending == .failed)
            #expect(result.elapsed >= .milliseconds(140))
            #expect(proxy.stats.connectionsReset == 1)
        }
    }

    @Test func bandwidthCapsThroughput() async throws {
        try await withProxy(upstream: try await .echo()) { proxy, address in
            try proxy.add(.bandwidth(bytesPerSecond: 4_000, direction: .downstream))
            let payload = randomBytes(2_000)
            let result = await exchange(with: address, send: payload, expect: payload.count)
            #expect(result.received == payload)
            #expect(result.elapsed >= .milliseconds(450))  // 2000 bytes at 4000 B/s
        }
    }

    @Test func slicerKeepsTheBytesIntact() async throws {
        try await withProxy(upstream: try await .echo()) { proxy, address in
            try proxy.add(.slicer(averageSize: 16, sizeVariation: 8, delayMs: 1))
            let payload = randomBytes(4_000)
            let result = await exchange(with: address, send: payload, expect: payload.count)
            #expect(result.received == payload)
        }
    }

    @Test func toxicityPicksTheSameConnectionsForTheSameSeed() async throws {
        let seed: UInt64 = 77
        try await withProxy(upstream: try await .echo(), seed: seed) { proxy, address in
            let fault = try proxy.add(.down(name: "flaky", toxicity: 0.5))
            var outcomes: [Bool] = []
            for _ in 0..<16 {
                let result = await exchange(with: address, send: Array("ping".utf8), expect: 4)
                outcomes.append(result.ending != .complete)
            }
            let predicted = (UInt64(1)...16).map { ConnectionPlan.isActive(fault, seed: seed, connection: $0) }
            #expect(outcomes == predicted)
            #expect(outcomes.contains(true) && outcomes.contains(false))
        }
    }

    @Test func retargetSendsNewConnectionsToTheNewParent() async throws {
        let restarted = try await LoopbackServer.http(bodyBytes: 3)
        try await withProxy(upstream: try await .echo()) { proxy, address in
            #expect(await exchange(with: address, send: Array("ping".utf8), expect: 4).received == Array("ping".utf8))
            proxy.retarget(upstream: restarted.address)
            #expect(proxy.upstream == restarted.address)
            let request = Array("GET / HTTP/1.1\r\nHost: hub\r\n\r\n".utf8)
            let answer = await exchange(with: address, send: request, expect: 1_000)
            #expect(String(decoding: answer.received, as: UTF8.self).hasSuffix("\r\n\r\nxxx"))
        }
        await restarted.close()
    }

    @Test func faultNamesAreUniqueAndRemovable() async throws {
        try await withProxy(upstream: try await .echo()) { proxy, _ in
            #expect(try proxy.add(.latency(ms: 1)).name == "latency_both")
            #expect(try proxy.add(.latency(ms: 1)).name == "latency_both_2")
            #expect(throws: YiwangError.self) { try proxy.add(.latency(name: "latency_both", ms: 1)) }
            try proxy.remove(named: "latency_both")
            #expect(proxy.faults.map(\.name) == ["latency_both_2"])
            #expect(throws: YiwangError.self) { try proxy.remove(named: "latency_both") }
        }
    }
}

/// Polls `condition` every 10 ms for up to 5 s.
func waitUntil(_ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(5)
    while !condition() {
        guard ContinuousClock.now < deadline else { throw CancellationError() }
        try await Task.sleep(for: .milliseconds(10))
    }
}
