import Foundation

/// One measured figure of a scenario, beside the limit measured in the same run on the same machine.
struct BenchResult: Codable, Sendable {
    /// The scenario's name (`--scenario NAME`).
    var scenario: String
    /// What was measured, e.g. "changes/s end to end".
    var metric: String
    var value: Double
    var unit: String
    /// The same-run limit (raw SQLite, plain JSON bytes, ...), when the figure has one.
    var limit: Double?
    var limitLabel: String?
    /// The target of issue 9, as text, and whether this run met it (nil when the target is not a threshold).
    var target: String
    var met: Bool?
    /// Further facts of the run (sizes, CPU seconds, lag, ...).
    var notes: String = ""
    /// `/proc/loadavg` when the measurement started.
    var loadAverage: String = ""

    /// `value / limit` (for sizes and latencies a smaller ratio is better).
    var ratio: Double? {
        guard let limit, limit > 0 else { return nil }
        return value / limit
    }
}

/// All figures of one invocation, and the machine they were measured on.
struct BenchReport: Codable, Sendable {
    struct Machine: Codable, Sendable {
        var cpus: Int
        var cpuModel: String
        var memoryMB: Int
        var kernel: String
    }

    var startedAt: String
    var mode: String
    var runsPerScenario: Int
    var machine: Machine
    /// The median figure of each (scenario, metric) over the runs.
    var results: [BenchResult]
    /// Every run's figures, in order.
    var runs: [[BenchResult]]
    var peer: [PeerResult]
    var peerNote: String
}

/// A figure from the peer (pglogical), measured in the same invocation.
struct PeerResult: Codable, Sendable {
    var measure: String
    var rows: Int
    var seconds: Double
    var rowsPerSecond: Double
}

extension BenchReport.Machine {
    static func current() -> Self {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) }
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let totalKB = meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
            .flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        let kernel = (try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8)) ?? ""
        return Self(
            cpus: ProcessInfo.processInfo.activeProcessorCount, cpuModel: model ?? "unknown", memoryMB: totalKB / 1024,
            kernel: kernel.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

enum Median {
    /// The median of each (scenario, metric) over several runs, keeping the first run's order and text fields.
    static func of(_ runs: [[BenchResult]]) -> [BenchResult] {
        guard let first = runs.first else { return [] }
        return first.map { template in
            let same = runs.compactMap { run in
                run.first { $0.scenario == template.scenario && $0.metric == template.metric }
            }
            let sorted = same.sorted { $0.value < $1.value }
            var median = sorted[sorted.count / 2]
            if sorted.count > 1 {
                median.notes += " [runs: " + same.map { Format.number($0.value) }.joined(separator: ", ") + "; load: "
                    + same.map { $0.loadAverage.split(separator: " ").first.map(String.init) ?? "?" }
                    .joined(separator: ", ") + "]"
            }
            return median
        }
    }
}
