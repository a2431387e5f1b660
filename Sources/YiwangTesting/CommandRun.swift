import Foundation

/// The result of running a built command-line product to completion.
public struct CommandRun: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    /// Runs `product` (from `DaemonProcess.binDirectory`) with `arguments` and waits for it to exit.
    public static func run(_ product: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> CommandRun
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(DaemonProcess.binDirectory)/\(product)")
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes to the end before waiting, so a chatty command cannot block on a full pipe.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandRun(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}
