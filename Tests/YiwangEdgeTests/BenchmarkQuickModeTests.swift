import Foundation
import Testing
import YiwangTesting

/// The benchmark suite still works: `yiwang-bench --quick` (built beside the tests) runs every scenario at tiny
/// sizes against the real daemons, exits 0 and writes its JSON with every figure. No timing is judged here.
struct BenchmarkQuickModeTests {
    static let expectedScenarios: Set<String> = [
        "wire", "hub-apply", "edge-bulk", "edge-put", "end-to-end", "upserts", "catch-up", "edge-memory",
        "nodes-130", "hub-memory", "report", "journal-disk", "snapshot-bootstrap",
    ]

    @Test("yiwang-bench --quick runs every scenario and writes its JSON", .timeLimit(.minutes(10)))
    func quickModeRunsEveryScenario() async throws {
        let directory = try TemporaryDirectory(prefix: "yiwang-bench-quick")
        defer { directory.remove() }
        let json = directory.file("bench.json")
        let bench = try DaemonProcess(
            "yiwang-bench", arguments: ["--quick", "--json", json], logPath: directory.file("bench.log"))
        let status = await bench.waitForExit(timeout: .seconds(540))
        #expect(status == 0, "yiwang-bench --quick failed:\n\(bench.log.suffix(3000))")

        let data = try Data(contentsOf: URL(fileURLWithPath: json))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let results = try #require(report["results"] as? [[String: Any]])
        let scenarios = Set(results.compactMap { $0["scenario"] as? String })
        #expect(scenarios == Self.expectedScenarios)
        for result in results {
            let value = try #require(result["value"] as? Double)
            #expect(value.isFinite && value > 0, "\(result["scenario"] ?? "?"): \(result["metric"] ?? "?")")
        }
        #expect(report["mode"] as? String == "quick")
        #expect((report["machine"] as? [String: Any])?["cpus"] as? Int ?? 0 > 0)
    }
}

extension DaemonProcess {
    /// Waits for the process to exit on its own (killing it after `timeout`); returns its exit status.
    func waitForExit(timeout: Duration) async -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(100)) }
        if !isRunning { return exitStatus }
        return await stop(SIGKILL, timeout: .seconds(5))
    }
}
