import ArgumentParser
import Foundation
import YiwangTesting

/// `yiwang-bench`: the benchmark suite of issue 9. Real daemons on loopback, real SQLite files; every rate is
/// printed beside a limit measured in the same run on the same machine.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yiwang-bench",
        abstract: "Measure Yiwang against the machine's limits (and against pglogical with --peer pglogical).",
        discussion: """
            Scenarios: \(BenchScenarios.all.map(\.name).joined(separator: ", ")).
            The daemons are taken from the folder of this binary (or YIWANG_BIN_DIR): build them in the same \
            configuration, e.g. `swift build -c release`. Progress goes to stderr, the table to stdout.
            """)

    @Flag(help: "Every scenario at tiny sizes, in seconds (for CI); targets are not judged.")
    var quick = false

    @Option(help: "Run only this scenario (repeatable).")
    var scenario: [String] = []

    @Option(help: "Runs of each scenario; the median is reported. Default 3, or 1 with --quick.")
    var runs: Int?

    @Option(help: "Write every figure (medians and each run) as JSON to this file.")
    var json: String?

    @Option(help: "Write the median table (Markdown, with each figure's notes) to this file.")
    var markdown: String?

    @Option(help: "Also run the peer's rows through it in this run: pglogical.")
    var peer: String?

    @Option(help: "The peer script (default: scripts/bench-pglogical.sh next to the repository's Package.swift).")
    var peerScript: String?

    func validate() throws {
        let known = Set(BenchScenarios.all.map(\.name))
        for name in scenario where !known.contains(name) {
            throw ValidationError("unknown scenario '\(name)'; known: \(known.sorted().joined(separator: ", "))")
        }
        if let peer, peer != "pglogical" { throw ValidationError("--peer: only 'pglogical' is supported") }
        if let runs, runs < 1 { throw ValidationError("--runs must be at least 1") }
    }

    func run() async throws {
        let sizes = quick ? BenchSizes.quick : BenchSizes.full
        let runCount = runs ?? (quick ? 1 : 3)
        let selected = BenchScenarios.all.filter { scenario.isEmpty || scenario.contains($0.name) }
        let startedAt = ISO8601DateFormatter().string(from: Date())
        var allRuns: [[BenchResult]] = []
        for run in 1...runCount {
            var results: [BenchResult] = []
            for item in selected {
                let directory = try TemporaryDirectory(prefix: "yiwang-bench-\(item.name)")
                defer { if ProcessInfo.processInfo.environment["YIWANG_BENCH_KEEP"] == nil { directory.remove() } }
                let context = BenchContext(sizes: sizes, directory: directory)
                context.say("run \(run)/\(runCount): \(item.name) (load \(context.loadAverage))")
                let figures = try await item.run(context)
                for figure in figures {
                    context.say("  \(figure.metric): \(Format.number(figure.value)) \(figure.unit) \(figure.notes)")
                }
                results += figures
            }
            allRuns.append(results)
        }
        var peerResults: [PeerResult] = []
        var peerNote = "not run (use --peer pglogical)"
        if peer == "pglogical" {
            (peerResults, peerNote) = PeerPglogical.run(script: peerScript, quick: quick, reps: runCount)
            FileHandle.standardError.write(Data("peer: \(peerNote)\n".utf8))
        }
        let medians = Median.of(allRuns)
        print(BenchTable.text(medians))
        for result in medians where !result.notes.isEmpty { print("  \(result.scenario): \(result.notes)") }
        if !peerResults.isEmpty { print(PeerPglogical.table(peerResults)) }
        print("peer: \(peerNote)")
        if let markdown {
            let text = BenchTable.markdown(medians) + "\n\n" + BenchTable.notes(medians) + "\n"
                + (peerResults.isEmpty ? "" : "\n```\n" + PeerPglogical.table(peerResults) + "\n```\n")
                + "\npeer: \(peerNote)\n"
            try text.write(toFile: markdown, atomically: true, encoding: .utf8)
        }
        if let json {
            let report = BenchReport(
                startedAt: startedAt, mode: quick ? "quick" : "full", runsPerScenario: runCount,
                machine: .current(), results: medians, runs: allRuns, peer: peerResults, peerNote: peerNote)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: URL(fileURLWithPath: json))
        }
    }
}

/// Every scenario, by the name `--scenario` takes, in the order they run.
enum BenchScenarios {
    struct Item: Sendable {
        var name: String
        var run: @Sendable (BenchContext) async throws -> [BenchResult]
    }

    static let all: [Item] = [
        Item(name: WireScenario.name, run: WireScenario.run),
        Item(name: HubApplyScenario.name, run: HubApplyScenario.run),
        Item(name: JournalDiskScenario.name, run: JournalDiskScenario.run),
        Item(name: EdgeLocalScenarios.bulkName, run: EdgeLocalScenarios.runBulk),
        Item(name: EdgeLocalScenarios.putName, run: EdgeLocalScenarios.runPut),
        Item(name: EndToEndScenario.name, run: EndToEndScenario.run),
        Item(name: EndToEndScenario.upsertName, run: EndToEndScenario.runUpserts),
        Item(name: CatchUpScenario.name, run: CatchUpScenario.run),
        Item(name: SnapshotBootstrapScenario.name, run: SnapshotBootstrapScenario.run),
        Item(name: HubLoadScenarios.nodesName, run: HubLoadScenarios.runNodes),
        Item(name: HubLoadScenarios.reportName, run: HubLoadScenarios.runReport),
    ]
}
