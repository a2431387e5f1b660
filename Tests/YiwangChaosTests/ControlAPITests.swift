import Foundation
import Logging
import Testing
import YiwangChaos
import YiwangCore
import YiwangHTTP

/// The control API over real HTTP (libcurl), with the proxy and an echo upstream on loopback.
@Suite(.timeLimit(.minutes(1))) struct ControlAPITests {
    private func withServer(_ body: (ChaosProxyServer.Addresses, CurlHTTPClient) async throws -> Void) async throws {
        let upstream = try await LoopbackServer.echo()
        let (addresses, continuation) = AsyncStream.makeStream(of: ChaosProxyServer.Addresses.self)
        let configuration = ChaosProxyServer.Configuration(
            proxy: .init(listen: HostPort(host: "127.0.0.1", port: 0), upstream: upstream.address, seed: 5),
            control: HostPort(host: "127.0.0.1", port: 0))
        let server = Task {
            try await ChaosProxyServer.run(
                configuration: configuration, logger: Logger(label: "yiwang-chaos-tests"), handlesSignals: false
            ) { continuation.yield($0) }
        }
        var iterator = addresses.makeAsyncIterator()
        let result: Result<Void, any Error>
        if let bound = await iterator.next() {
            do {
                try await body(bound, CurlHTTPClient(configuration: .init(totalTimeoutMs: 10_000)))
                result = .success(())
            } catch {
                result = .failure(error)
            }
        } else {
            result = .failure(CancellationError())
        }
        server.cancel()
        _ = await server.result
        await upstream.close()
        try result.get()
    }

    private func json(_ response: CurlHTTPClient.Response) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    @Test func rejectsABadFaultTypeNamingTheField() async throws {
        try await withServer { addresses, client in
            let response = try await client.send(
                method: "POST", url: "http://\(addresses.control)/faults",
                body: Array(#"{"type":"earthquake","direction":"both"}"#.utf8))
            #expect(response.status == 400)
            let body = try json(response)
            #expect(body["error"] as? String == "invalid_field")
            #expect(body["field"] as? String == "type")
            #expect((body["message"] as? String)?.contains("latency") == true)
        }
    }

    @Test func rejectsABadAttributeNamingIt() async throws {
        try await withServer { addresses, client in
            let response = try await client.send(
                method: "POST", url: "http://\(addresses.control)/faults",
                body: Array(#"{"type":"latency","attributes":{"latency_ms":-3}}"#.utf8))
            #expect(response.status == 400)
            #expect(try json(response)["field"] as? String == "attributes.latency_ms")
        }
    }

    @Test func addsListsRemovesAndHealsFaults() async throws {
        try await withServer { addresses, client in
            let base = "http://\(addresses.control)"
            let created = try await client.send(
                method: "POST", url: "\(base)/faults",
                body: Array(#"{"type":"latency","toxicity":1.0,"attributes":{"latency_ms":200,"jitter_ms":50}}"#.utf8))
            #expect(created.status == 201)
            #expect(try json(created)["name"] as? String == "latency_both")
            let duplicate = try await client.send(
                method: "POST", url: "\(base)/faults", body: Array(#"{"name":"latency_both","type":"down"}"#.utf8))
            #expect(duplicate.status == 400)
            #expect(try json(duplicate)["field"] as? String == "name")
            let listed = try await client.send(method: "GET", url: "\(base)/faults")
            #expect((try json(listed)["faults"] as? [[String: Any]])?.count == 1)
            #expect(try await client.send(method: "DELETE", url: "\(base)/faults/latency_both").status == 200)
            #expect(try await client.send(method: "DELETE", url: "\(base)/faults/latency_both").status == 404)
            _ = try await client.send(method: "POST", url: "\(base)/faults", body: Array(#"{"type":"down"}"#.utf8))
            let healed = try await client.send(method: "DELETE", url: "\(base)/faults")
            #expect(healed.status == 200)
            #expect((try json(healed)["removed"] as? [[String: Any]])?.count == 1)
            let health = try await client.send(method: "GET", url: "\(base)/healthz")
            #expect(health.status == 200)
        }
    }

    @Test func faultsAddedOverHTTPShapeTheTraffic() async throws {
        try await withServer { addresses, client in
            let added = try await client.send(
                method: "POST", url: "http://\(addresses.control)/faults",
                body: Array(#"{"type":"blackhole","direction":"downstream"}"#.utf8))
            #expect(added.status == 201)
            let cut = await exchange(
                with: addresses.proxy, send: Array("ping".utf8), expect: 4, timeout: .milliseconds(300))
            #expect(cut.ending == .timedOut)
            _ = try await client.send(method: "DELETE", url: "http://\(addresses.control)/faults")
            let healed = await exchange(with: addresses.proxy, send: Array("ping".utf8), expect: 4)
            #expect(healed.ending == .complete)
            let stats = try json(try await client.send(method: "GET", url: "http://\(addresses.control)/stats"))
            #expect(stats["connections_total"] as? Int == 2)
            #expect(stats["downstream_bytes_dropped"] as? Int == 4)
            #expect(stats["downstream_bytes_forwarded"] as? Int == 4)
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct FaultProxyClientTests {
    @Test func drivesAProxyOverHTTP() async throws {
        let upstream = try await LoopbackServer.echo()
        let (addresses, continuation) = AsyncStream.makeStream(of: ChaosProxyServer.Addresses.self)
        let configuration = ChaosProxyServer.Configuration(
            proxy: .init(listen: HostPort(host: "127.0.0.1", port: 0), upstream: upstream.address),
            control: HostPort(host: "127.0.0.1", port: 0))
        let server = Task {
            try await ChaosProxyServer.run(
                configuration: configuration, logger: Logger(label: "yiwang-chaos-tests"), handlesSignals: false
            ) { continuation.yield($0) }
        }
        defer { server.cancel() }
        var iterator = addresses.makeAsyncIterator()
        let bound = try #require(await iterator.next())
        let client = FaultProxyClient(control: bound.control)

        let added = try await client.add(.limitData(name: "cut", bytes: 2, direction: .downstream))
        #expect(added.name == "cut" && added.attributes["bytes"] == 2)
        #expect(try await client.faults() == [added])
        let cut = await exchange(with: bound.proxy, send: Array("ping".utf8), expect: 4)
        #expect(cut.ending == .closed && cut.received.count == 2)
        #expect(try await client.stats().connectionsCut == 1)
        await #expect {
            try await client.add(.latency(name: "cut", ms: 1))
        } throws: { ($0 as? YiwangError)?.field == "name" }
        try await client.remove(named: "cut")
        await #expect { try await client.remove(named: "cut") } throws: { ($0 as? YiwangError)?.code == .notFound }
        try await client.add(.blackhole())
        #expect(try await client.heal().count == 1)
        #expect(await exchange(with: bound.proxy, send: Array("ping".utf8), expect: 4).ending == .complete)
        server.cancel()
        _ = await server.result
        await upstream.close()
    }
}
