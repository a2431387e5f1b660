#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Tells systemd how the daemon is doing (the `sd_notify` protocol): `READY=1` once bound, `WATCHDOG=1`
/// every `watchdogInterval`, `STOPPING=1` when shutting down, `STATUS=...` for `systemctl status`.
///
/// Each message is one datagram on the AF_UNIX socket named by `NOTIFY_SOCKET` (a path, or `@name` for an
/// abstract socket). Without `NOTIFY_SOCKET` (not started by systemd, or not `Type=notify`) every call is a
/// no-op, so daemons call it unconditionally. Like every library here it never reads the environment itself:
/// the executable passes `ProcessInfo.processInfo.environment`.
public struct SystemdNotifier: Sendable, Hashable {
    /// The socket address as systemd gave it (`/run/systemd/notify` or `@...`); `nil` when not under systemd.
    public let socketPath: String?
    /// How often to send `WATCHDOG=1`: half of `WATCHDOG_USEC`, as `sd_watchdog_enabled` advises; `nil` when
    /// systemd runs no watchdog for this process.
    public let watchdogInterval: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`. A `WATCHDOG_PID` other than
    /// `processID` means the watchdog belongs to another process (e.g. our parent), so it is ignored.
    public init(environment: [String: String], processID: Int32 = getpid()) {
        let socket = environment["NOTIFY_SOCKET"] ?? ""
        socketPath = socket.isEmpty ? nil : socket
        var interval: Duration?
        if let usecText = environment["WATCHDOG_USEC"], let usec = UInt64(usecText), usec > 0 {
            if let pidText = environment["WATCHDOG_PID"], Int32(pidText) != processID {
                interval = nil
            } else {
                interval = .microseconds(usec / 2)
            }
        }
        watchdogInterval = interval
    }

    /// True when running under systemd with a notification socket.
    public var isEnabled: Bool { socketPath != nil }

    /// `READY=1`, with an optional `STATUS=` line: start-up is done (the port is bound).
    public func ready(status: String? = nil) throws(SystemdNotifierError) {
        try send(["READY=1"] + (status.map { ["STATUS=\(Self.oneLine($0))"] } ?? []))
    }

    /// `STATUS=...`: a free-form line shown by `systemctl status`.
    public func status(_ text: String) throws(SystemdNotifierError) {
        try send(["STATUS=\(Self.oneLine(text))"])
    }

    /// `STOPPING=1`: graceful shutdown has begun.
    public func stopping() throws(SystemdNotifierError) {
        try send(["STOPPING=1"])
    }

    /// `WATCHDOG=1`: the daemon is alive; systemd restarts it when these stop for `WatchdogSec=`.
    public func watchdog() throws(SystemdNotifierError) {
        try send(["WATCHDOG=1"])
    }

    /// Runs `body` while a child task sends `WATCHDOG=1` every `watchdogInterval` (nothing extra when systemd
    /// runs no watchdog); the pings stop when `body` returns or throws.
    public func withWatchdog<T: Sendable>(
        isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T
    ) async throws -> T {
        guard isEnabled, let interval = watchdogInterval else { return try await body() }
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { tasks in
            tasks.addTask { await self.pingWatchdog(every: interval) }
            defer { tasks.cancelAll() }
            return try await body()
        }
    }

    /// Sends `WATCHDOG=1` now and then every `interval` until the task is cancelled.
    public func pingWatchdog(every interval: Duration) async {
        while !Task.isCancelled {
            try? watchdog()
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }

    /// Sends the assignments (`KEY=value`, one per line) as one datagram; a no-op without `NOTIFY_SOCKET`.
    public func send(_ assignments: [String]) throws(SystemdNotifierError) {
        guard let socketPath else { return }
        try Self.sendDatagram(assignments.joined(separator: "\n") + "\n", to: socketPath)
    }

    /// Newlines would start a new assignment; a status is one line.
    private static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }

    #if canImport(Glibc) || canImport(Musl)
    private static func sendDatagram(_ message: String, to socketPath: String) throws(SystemdNotifierError) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        let abstract = pathBytes.first == UInt8(ascii: "@")
        // An abstract socket's name starts with a NUL byte instead of '@' and is not NUL-terminated.
        if abstract { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity, abstract || pathBytes.first == UInt8(ascii: "/") else {
            throw .invalidSocket(socketPath)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
        let length = socklen_t(pathOffset + pathBytes.count + (abstract ? 0 : 1))

        #if canImport(Glibc)
        let kind = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        let kind = SOCK_DGRAM | SOCK_CLOEXEC
        #endif
        let descriptor = socket(AF_UNIX, kind, 0)
        guard descriptor >= 0 else { throw .system("socket", errno) }
        defer { close(descriptor) }
        let bytes = Array(message.utf8)
        let sent = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    sendto(descriptor, buffer.baseAddress, buffer.count, 0, socketAddress, length)
                }
            }
        }
        guard sent >= 0 else { throw .system("sendto", errno) }
        guard sent == bytes.count else { throw .system("sendto (short datagram)", 0) }
    }
    #else
    private static func sendDatagram(_ message: String, to socketPath: String) throws(SystemdNotifierError) {
        throw .unsupportedPlatform
    }
    #endif
}

/// A notification that could not be sent; the daemon logs it and carries on (systemd then times out the
/// start or the watchdog, which is the signal an operator sees).
public struct SystemdNotifierError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case invalidSocket(String)
        case system(String, Int32)
        case unsupportedPlatform
    }

    private let code: Code

    static func invalidSocket(_ path: String) -> Self { Self(code: .invalidSocket(path)) }
    static func system(_ call: String, _ number: Int32) -> Self { Self(code: .system(call, number)) }
    static var unsupportedPlatform: Self { Self(code: .unsupportedPlatform) }

    public var description: String {
        switch code {
        case .invalidSocket(let path):
            "NOTIFY_SOCKET '\(path)' is neither an absolute path nor an @abstract name short enough for AF_UNIX"
        case .system(let call, let number):
            number == 0 ? "sd_notify: \(call) failed" : "sd_notify: \(call) failed: \(String(cString: strerror(number)))"
        case .unsupportedPlatform:
            "sd_notify is only supported on Linux"
        }
    }
}
