import Foundation

/// Paths in the repository and a way to run a command and capture what it printed.
enum Ops {
    /// The repository root, found from this file's path (Tests/YiwangOpsTests/OpsTestSupport.swift).
    static let repository: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static let units = ["yiwang-hub.service", "yiwang-edge.service", "yiwang-edge@.service"]
    static let binaries = ["yiwang-hub", "yiwang-edge", "yiwangctl"]

    static func path(_ relative: String) -> String { "\(repository)/\(relative)" }

    static func read(_ relative: String) throws -> String {
        try String(contentsOfFile: path(relative), encoding: .utf8)
    }

    struct Output: CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var description: String { "exit \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
    }

    /// Runs `executable` (a path, or a name looked up in PATH) to completion.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        currentDirectory: String? = nil
    ) throws -> Output {
        let process = Process()
        if executable.hasPrefix("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        // Files rather than pipes: no deadlock however much the command prints.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("yiwang-ops-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("out")
        let errURL = scratch.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return Output(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }
}

/// Whether `systemd-analyze` is installed and runs in this environment (it does in a plain container: the
/// checks used here read unit files and need no running systemd).
enum SystemdAnalyze {
    static let version: String? = {
        guard let output = try? Ops.run("systemd-analyze", ["--version"]), output.status == 0 else { return nil }
        return output.stdout.split(separator: "\n").first.map(String.init)
    }()

    static var isAvailable: Bool { version != nil }

    /// The "Overall exposure level for UNIT: 1.1 OK" line of `systemd-analyze security`, parsed.
    static func exposure(in text: String) -> (score: Double, rating: String)? {
        guard let line = text.split(separator: "\n").first(where: { $0.contains("Overall exposure level for") }),
            let colon = line.range(of: ": ", options: .backwards)
        else { return nil }
        let words = line[colon.upperBound...].split(separator: " ")
        guard words.count >= 2, let score = Double(words[0]) else { return nil }
        return (score, String(words[1]))
    }
}

struct OpsError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
