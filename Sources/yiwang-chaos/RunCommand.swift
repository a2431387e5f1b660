import ArgumentParser
import Foundation
import Logging
import YiwangChaos
import YiwangCore
import YiwangTesting

/// `yiwang-chaos run`: seeded chaos scenarios against real processes on loopback, judged by a checker.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run seeded chaos scenarios: a real hub and nodes behind fault proxies, checked for loss.",
        discussion: """
            Starts yiwang-hub and N yiwang-edge processes (from the folder of this
            executable, or YIWANG_BIN_DIR) on loopback, each node behind its own fault
            proxy; writes at every node while a nemesis schedule drawn from the seed
            partitions, kills, pauses and slows them; heals, waits for quiescence and
            checks: lost=0, duplicated=0, converged, no `realtime` while cut off,
            every node back to realtime, SQLite integrity_check ok.
            Prints one summary line per scenario; exits 1 on any violation.
            The same seed replays the same schedule: rerun with --seed S.
            """)

    @Option(help: "Seed of the first scenario (default: random, printed).") var seed: UInt64?
    @Option(help: "Number of edge nodes (cities and counties).") var nodes = 4
    @Option(help: "Length of the fault phase of one scenario, e.g. 20s, 2m.") var duration = "20s"
    @Option(help: "Number of scenarios, seeds S, S+1, ...") var scenarios = 1
    @Flag(help: "Drill mode: 8 nodes, 2m per scenario, 20 scenarios unless given.") var long = false
    @Option(help: "Write the JSON report (an array, one entry per scenario) to this file.") var json: String?
    @Option(help: "Keep the daemons' data and logs under this directory (default: a temporary one, removed when ok).")
    var dataDir: String?
    @Option(help: "The hub's realtime_within for the run (detection bound: this plus 1.5s).") var realtimeWithin = "2s"
    @Flag(help: "Log every nemesis event as it starts.") var verbose = false
    @Option(help: "Comma-separated datasets whose replicas must converge (default: all); others are only noted.")
    var converge: String?
    @Option(parsing: .unconditionalSingleValue, help: "Extra argument for every yiwang-hub (repeat), e.g. an auth flag.")
    var hubArg: [String] = []
    @Option(parsing: .unconditionalSingleValue, help: "Extra argument for every yiwang-edge (repeat), e.g. --token-file F.")
    var edgeArg: [String] = []

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let first = seed ?? UInt64.random(in: 1...UInt64(Int64.max))
        let count = long && scenarios == 1 ? 20 : scenarios
        let nodeCount = long && nodes == 4 ? 8 : nodes
        let spec = long && duration == "20s" ? "2m" : duration
        guard let durationMs = try? ConfigDuration.milliseconds(spec).get(), (2_000...86_400_000).contains(durationMs)
        else { throw ValidationError("--duration must be like 20s or 2m (the one duration syntax), 2s to 24h") }
        say("seed=\(first) scenarios=\(count) (replay one with: yiwang-chaos run --seed S --nodes \(nodeCount) --duration \(spec))")
        var reports: [ScenarioReport] = []
        for index in 0..<count {
            let scenarioSeed = first &+ UInt64(index)
            let base = dataDir ?? FileManager.default.temporaryDirectory.path + "/yiwang-chaos-\(getpid())"
            let directory = "\(base)/seed-\(scenarioSeed)"
            try? FileManager.default.removeItem(atPath: directory)
            var runner = ScenarioRunner(
                seed: scenarioSeed, nodes: nodeCount, durationMs: Int(durationMs), directory: directory)
            runner.settings.realtimeWithin = realtimeWithin
            runner.settings.hubArguments = hubArg
            runner.settings.edgeArguments = edgeArg
            runner.settings.enforcedDatasets = converge.map { Set($0.split(separator: ",").map(String.init)) }
            if verbose { runner.logger.logLevel = .info }
            let report = try await runner.run()
            say(report.summary)
            if let blocker = report.notQuiescentBecause { say("  not quiescent: \(blocker)") }
            for violation in report.result.violations { say("  \(violation)") }
            if report.ok && dataDir == nil { try? FileManager.default.removeItem(atPath: directory) }
            if !report.ok { say("  data and logs kept in \(directory)") }
            reports.append(report)
        }
        if let json {
            let text = "[" + reports.map(\.json).joined(separator: ",\n") + "]\n"
            try text.write(toFile: json, atomically: true, encoding: .utf8)
        }
        if reports.contains(where: { !$0.ok }) { throw ExitCode(1) }
    }

    /// Writes a line to stdout at once (unbuffered, so a long drill shows each summary as it ends).
    func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
}
