import Foundation
import Synchronization

/// A real Yiwang daemon (`yiwang-hub`, `yiwang-edge`) started from the build folder, its output in a log
/// file, for tests that need real processes, real sockets and real signals. Killed on `deinit`.
public final class DaemonProcess: Sendable {
    public let product: String
    public let logPath: String
    private let process: Mutex<Process>

    /// The folder holding the built products: `YIWANG_BIN_DIR`, else the folder of the running test bundle.
    public static var binDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["YIWANG_BIN_DIR"] { return dir }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().path
    }

    /// Starts `product` with `arguments`; its stdout and stderr go to `logPath`. With a `launcher` (e.g.
    /// `FakeTime.launcher`), the product is started through it (same process: the launcher execs it).
    public init(
        _ product: String, arguments: [String], logPath: String, environment: [String: String] = [:],
        launcher: [String] = []
    ) throws {
        self.product = product
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        let path = "\(Self.binDirectory)/\(product)"
        if let first = launcher.first {
            process.executableURL = URL(fileURLWithPath: first)
            process.arguments = Array(launcher.dropFirst()) + [path] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = Mutex(process)
    }

    deinit {
        process.withLock { process in
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
    }

    public var pid: Int32 { process.withLock { $0.processIdentifier } }
    public var isRunning: Bool { process.withLock { $0.isRunning } }
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits for the daemon's "listening" log line and returns the `yiwang.address` it logged (HOST:PORT).
    public func waitForAddress(timeout: Duration = .seconds(30)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = log
            // Take the last address logged (a restarted daemon appends to the same log).
            if let range = text.range(of: "yiwang.address=", options: .backwards) {
                let rest = text[range.upperBound...]
                let address = rest.prefix { !$0.isWhitespace && $0 != "]" && $0 != "," }
                if !address.isEmpty { return String(address) }
            }
            if !isRunning {
                throw DaemonError(message: "\(product) exited with \(exitStatus) before listening:\n\(text.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw DaemonError(message: "\(product) did not log its address in \(timeout):\n\(log.suffix(2000))")
    }

    /// `http://HOST:PORT` once the daemon listens.
    public func baseURL(timeout: Duration = .seconds(30)) async throws -> String {
        "http://\(try await waitForAddress(timeout: timeout))"
    }

    public func signal(_ signal: Int32) { _ = kill(pid, signal) }

    /// Sends `signal` (default SIGKILL) and waits for the process to end; returns its exit status.
    @discardableResult
    public func stop(_ signal: Int32 = SIGKILL, timeout: Duration = .seconds(30)) async -> Int32 {
        self.signal(signal)
        let deadline = ContinuousClock.now + timeout
        while isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if isRunning { self.signal(SIGKILL) }
        process.withLock { $0.waitUntilExit() }
        return exitStatus
    }

    public var exitStatus: Int32 { process.withLock { $0.isRunning ? -1 : $0.terminationStatus } }
}

public struct DaemonError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
