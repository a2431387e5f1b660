import Foundation

/// `--peer pglogical`: runs `scripts/bench-pglogical.sh` (the peer's own script, adapted) on the same machine
/// in the same invocation, and reads its per-run results (`/tmp/pgpeer/summary.tsv`).
enum PeerPglogical {
    static let postgres = "/usr/lib/postgresql/15/bin/postgres"
    static let summary = "/tmp/pgpeer/summary.tsv"

    /// The script next to the repository's Package.swift, looked up from the current directory upwards.
    static func defaultScript() -> String? {
        var directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        for _ in 0..<6 {
            let candidate = directory.appendingPathComponent("scripts/bench-pglogical.sh").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    /// Runs the peer; returns its medians and a note saying what ran (or why it was skipped).
    static func run(script: String?, quick: Bool, reps: Int) -> ([PeerResult], String) {
        guard FileManager.default.fileExists(atPath: postgres) else {
            return ([], "skipped: PostgreSQL 15 is not installed (\(postgres) missing)")
        }
        guard let script = script ?? defaultScript() else {
            return ([], "skipped: scripts/bench-pglogical.sh not found (run from the repository or pass --peer-script)")
        }
        guard getuid() == 0 else {
            return ([], "skipped: the peer script must run as root (it starts clusters as postgres)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script]
        var environment = ProcessInfo.processInfo.environment
        environment["N"] = quick ? "2000" : "1000000"
        environment["UPD"] = quick ? "1000" : "200000"
        environment["REPS"] = "\(reps)"
        // pg_test_fsync hung for minutes on this VM (2026-11-25); the raw SQLite commit latency is measured instead.
        environment["SKIP_FSYNC_TEST"] = "1"
        process.environment = environment
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("yiwang-bench-pglogical.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        guard let handle = try? FileHandle(forWritingTo: log) else { return ([], "skipped: cannot write \(log.path)") }
        process.standardOutput = handle
        process.standardError = handle
        // A child inherits the signal mask of the thread that spawns it, and Swift's pool threads block most
        // signals: the script's `kill` of its own helpers would then never land. Spawn with nothing blocked.
        var unblocked = sigset_t()
        var saved = sigset_t()
        sigemptyset(&unblocked)
        pthread_sigmask(SIG_SETMASK, &unblocked, &saved)
        let started = Result { try process.run() }
        pthread_sigmask(SIG_SETMASK, &saved, nil)
        if case .failure(let error) = started { return ([], "skipped: cannot start bash \(script): \(error)") }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let tail = ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(3)
            return ([], "failed (exit \(process.terminationStatus)), log \(log.path): \(tail.joined(separator: " | "))")
        }
        let results = medians(tsv: (try? String(contentsOfFile: summary, encoding: .utf8)) ?? "")
        return (results, "pglogical measured in this run (\(reps) rep(s), medians), full log \(log.path)")
    }

    /// Median seconds per measure from the script's `measure rep rows seconds rows_per_s extra` lines.
    static func medians(tsv: String) -> [PeerResult] {
        var order: [String] = []
        var seconds: [String: [Double]] = [:]
        var rows: [String: Int] = [:]
        for line in tsv.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 4, let n = Int(fields[2]), let s = Double(fields[3]) else { continue }
            let measure = String(fields[0])
            if seconds[measure] == nil { order.append(measure) }
            seconds[measure, default: []].append(s)
            rows[measure] = n
        }
        return order.map { measure in
            let sorted = seconds[measure]!.sorted()
            let median = sorted[sorted.count / 2]
            return PeerResult(
                measure: measure, rows: rows[measure]!, seconds: median, rowsPerSecond: Double(rows[measure]!) / median)
        }
    }

    static func table(_ results: [PeerResult]) -> String {
        (["pglogical (same run, medians):"] + results.map {
            "  \($0.measure.padding(toLength: 32, withPad: " ", startingAt: 0)) rows=\($0.rows) "
                + String(format: "s=%.3f rows/s=%.0f", $0.seconds, $0.rowsPerSecond)
        }).joined(separator: "\n")
    }
}
