import Foundation
import Logging
import YiwangCore

/// Runs `NetnsNode` commands. Needs root, `ip` and `iptables`; `unavailableReason()` says why it cannot run
/// here, so callers skip with a clear message rather than fail.
public struct NetnsLab: Sendable {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    /// Nil when the partition mode can run here, else a one-line reason (and what to do about it).
    public static func unavailableReason() -> String? {
        guard geteuid() == 0 else { return "the netns mode needs root (network namespaces and iptables)" }
        for tool in ["ip", "iptables"] where executablePath(tool) == nil {
            return "'\(tool)' is not installed (Debian: apt-get install \(tool == "ip" ? "iproute2" : "iptables"))"
        }
        if (try? run(["ip", "netns", "list"])) == nil { return "'ip netns' does not work here (no CAP_SYS_ADMIN?)" }
        return nil
    }

    /// Creates the node's namespace and link; removes a half-made one on failure.
    public func create(_ node: NetnsNode) throws(YiwangError) {
        do {
            try runAll(node.createCommands)
        } catch {
            try? runAll(node.destroyCommands)
            throw error
        }
        logger.info(
            "netns created",
            metadata: [
                "yiwang.netns": "\(node.namespace)", "yiwang.address": "\(node.nodeAddress)",
                "yiwang.host": "\(node.hostAddress)",
            ])
    }

    /// Drops the node's traffic in `direction` (adds to any partition already in force).
    public func partition(_ node: NetnsNode, direction: FaultDirection = .both) throws(YiwangError) {
        try runAll(node.partitionCommands(direction))
        logger.info(
            "netns partitioned",
            metadata: ["yiwang.netns": "\(node.namespace)", "yiwang.direction": "\(direction.rawValue)"])
    }

    /// Removes every partition of the node.
    public func heal(_ node: NetnsNode) {
        for command in node.healCommands {
            // Each run deletes one copy of the rule; it fails once none is left.
            for _ in 0..<64 where (try? Self.run(command)) != nil {}
        }
        logger.info("netns healed", metadata: ["yiwang.netns": "\(node.namespace)"])
    }

    /// Removes the node's partitions, namespace and link.
    public func destroy(_ node: NetnsNode) throws(YiwangError) {
        heal(node)
        try runAll(node.destroyCommands)
        logger.info("netns destroyed", metadata: ["yiwang.netns": "\(node.namespace)"])
    }

    private func runAll(_ commands: [[String]]) throws(YiwangError) {
        for command in commands { try Self.run(command) }
    }

    /// Runs `command` (found on PATH) and waits; throws `unavailable` with its error output when it fails.
    @discardableResult
    static func run(_ command: [String]) throws(YiwangError) -> String {
        guard let tool = command.first, let path = executablePath(tool) else {
            throw .unavailable("'\(command.first ?? "")' is not installed")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = Array(command.dropFirst())
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do { try process.run() } catch { throw .unavailable("cannot run \(tool): \(error)") }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            let line = text.split(separator: "\n").first.map(String.init) ?? "exit \(process.terminationStatus)"
            throw .unavailable("\(command.joined(separator: " ")): \(line)")
        }
        return text
    }

    static func executablePath(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        return directories.map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
