import Foundation
import Testing
import YiwangChaos
import YiwangHTTP
import YiwangTesting

/// The real `yiwang-chaos proxy` process: logs its addresses, obeys its control API, exits 0 on SIGTERM.
@Suite(.timeLimit(.minutes(1))) struct ChaosDaemonTests {
    @Test func proxyProcessServesAndShutsDownGracefully() async throws {
        let upstream = try await LoopbackServer.echo()
        let directory = try TemporaryDirectory()
        let daemon = try DaemonProcess(
            "yiwang-chaos",
            arguments: [
                "proxy", "--listen", "127.0.0.1:0", "--upstream", "\(upstream.address)", "--control", "127.0.0.1:0",
                "--seed", "3",
            ],
            logPath: directory.file("chaos.log"))
        let address = try #require(HostPort(try await daemon.waitForAddress()))
        let control = try #require(controlAddress(in: daemon.log))
        #expect(address.port != 0 && control.port != 0 && address != control)

        let passed = await exchange(with: address, send: Array("ping".utf8), expect: 4)
        #expect(passed.ending == .complete)
        let client = CurlHTTPClient(configuration: .init(totalTimeoutMs: 10_000))
        let added = try await client.send(
            method: "POST", url: "http://\(control)/faults", body: Array(#"{"type":"down"}"#.utf8))
        #expect(added.status == 201)
        let refused = await exchange(with: address, send: Array("ping".utf8), expect: 4)
        #expect(refused.ending != .complete)

        #expect(await daemon.stop(SIGTERM) == 0)
        #expect(daemon.log.contains("stopped"))
        await upstream.close()
        directory.remove()
    }

    @Test func badFlagsFailWithAClearLine() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try DaemonProcess(
            "yiwang-chaos", arguments: ["proxy", "--listen", "nowhere", "--upstream", "127.0.0.1:1"],
            logPath: directory.file("chaos.log"))
        while daemon.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        #expect(daemon.exitStatus != 0)
        #expect(daemon.log.contains("--listen"))
        directory.remove()
    }

    private func controlAddress(in log: String) -> HostPort? {
        guard let range = log.range(of: "yiwang.control=") else { return nil }
        return HostPort(String(log[range.upperBound...].prefix { !$0.isWhitespace }))
    }
}
