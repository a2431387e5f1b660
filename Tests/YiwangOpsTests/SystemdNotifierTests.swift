import Foundation
import Logging
import Synchronization
import Testing
import YiwangHTTP
import YiwangTesting

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A datagram socket playing systemd's part: bound at a path (or an abstract name), it receives what the
/// notifier sends.
private final class NotifySocket {
    let descriptor: Int32
    /// The value systemd would put in NOTIFY_SOCKET.
    let name: String

    init(path: String) throws { (descriptor, name) = try Self.bind(Array(path.utf8), name: path) }

    init(abstract label: String) throws {
        (descriptor, name) = try Self.bind([0] + Array(label.utf8), name: "@\(label)")
    }

    deinit { close(descriptor) }

    private static func bind(_ pathBytes: [UInt8], name: String) throws -> (Int32, String) {
        #if canImport(Glibc)
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        #else
        let descriptor = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        guard descriptor >= 0 else { throw OpsError( "socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes) }
        let abstract = pathBytes.first == 0
        let length = socklen_t(
            (MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2) + pathBytes.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(descriptor, $0, length) }
        }
        guard bound == 0 else {
            close(descriptor)
            throw OpsError( "bind \(name): errno \(errno)")
        }
        // Never hang a test: a missing datagram fails after 5 s.
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return (descriptor, name)
    }

    /// The next datagram, or nil after the timeout.
    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// Datagrams already waiting, without blocking.
    func pending() -> [String] {
        var messages: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard count >= 0 else { return messages }
            messages.append(String(decoding: buffer[..<count], as: UTF8.self))
        }
    }
}

@Suite struct SystemdNotifierTests {
    @Test func readyArrivesOnAPathSocket() throws {
        let directory = try TemporaryDirectory(prefix: "yiwang-notify")
        defer { directory.remove() }
        let socket = try NotifySocket(path: directory.file("notify.sock"))
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.name])
        #expect(notifier.isEnabled)

        try notifier.ready()
        #expect(socket.receive() == "READY=1\n")
    }

    @Test func everyStateArrivesAsOneDatagram() throws {
        let directory = try TemporaryDirectory(prefix: "yiwang-notify")
        defer { directory.remove() }
        let socket = try NotifySocket(path: directory.file("notify.sock"))
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.name])

        try notifier.ready(status: "listening on 127.0.0.1:7400")
        try notifier.status("3 of 8 nodes real-time\nsecond line")
        try notifier.watchdog()
        try notifier.stopping()
        #expect(socket.receive() == "READY=1\nSTATUS=listening on 127.0.0.1:7400\n")
        // A newline would start a new assignment: the status stays one line.
        #expect(socket.receive() == "STATUS=3 of 8 nodes real-time second line\n")
        #expect(socket.receive() == "WATCHDOG=1\n")
        #expect(socket.receive() == "STOPPING=1\n")
    }

    @Test func readyArrivesOnAnAbstractSocket() throws {
        let socket = try NotifySocket(abstract: "yiwang-test-\(UInt64.random(in: 0...UInt64.max))")
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.name])
        try notifier.ready()
        #expect(socket.receive() == "READY=1\n")
    }

    @Test func withoutNotifySocketEveryCallIsANoOp() async throws {
        let notifier = SystemdNotifier(environment: ["WATCHDOG_USEC": "30000000"])
        #expect(!notifier.isEnabled)
        try notifier.ready(status: "ignored")
        try notifier.watchdog()
        try notifier.stopping()
        // The body still runs (no watchdog task without a socket).
        let value = try await notifier.withWatchdog { 42 }
        #expect(value == 42)
    }

    @Test func aMissingSocketIsReported() throws {
        let directory = try TemporaryDirectory(prefix: "yiwang-notify")
        defer { directory.remove() }
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": directory.file("absent.sock")])
        #expect(throws: SystemdNotifierError.self) { try notifier.ready() }
        let relative = SystemdNotifier(environment: ["NOTIFY_SOCKET": "relative.sock"])
        #expect(throws: SystemdNotifierError.self) { try relative.ready() }
    }

    @Test(arguments: [
        (["WATCHDOG_USEC": "30000000"], Duration.seconds(15)),
        (["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "4242"], Duration.seconds(15)),
        (["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"], nil),
        (["WATCHDOG_USEC": "0"], nil),
        (["WATCHDOG_USEC": "soon"], nil),
        ([:], nil),
    ] as [([String: String], Duration?)])
    func watchdogIntervalIsHalfOfWatchdogUsec(environment: [String: String], expected: Duration?) {
        let notifier = SystemdNotifier(environment: environment, processID: 4242)
        #expect(notifier.watchdogInterval == expected)
    }

    @Test(.timeLimit(.minutes(1)))
    func withWatchdogPingsWhileTheBodyRuns() async throws {
        let directory = try TemporaryDirectory(prefix: "yiwang-notify")
        defer { directory.remove() }
        let socket = try NotifySocket(path: directory.file("notify.sock"))
        // WATCHDOG_USEC=100ms: a ping every 50 ms.
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.name, "WATCHDOG_USEC": "100000"])
        #expect(notifier.watchdogInterval == .milliseconds(50))

        // Run the body until three pings arrived (at most 10 s, so a busy machine cannot fail the test).
        var pings: [String] = []
        try await notifier.withWatchdog {
            let deadline = ContinuousClock.now + .seconds(10)
            while pings.count < 3 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                pings += socket.pending()
            }
        }
        #expect(pings.count >= 3, "expected a WATCHDOG=1 every 50 ms, got \(pings.count) in 10 s")
        #expect(pings.allSatisfy { $0 == "WATCHDOG=1\n" })

        // Once the body has returned, the pings stop (one may have been in flight as it returned).
        try await Task.sleep(for: .milliseconds(100))
        _ = socket.pending()
        try await Task.sleep(for: .milliseconds(300))
        #expect(socket.pending().isEmpty)
    }
}

/// The one watchdog service of both daemons: it pings while the store answers, withholds the ping while it
/// does not (so systemd restarts a daemon whose store hangs), and says STOPPING when it ends.
@Suite struct SystemdWatchdogServiceTests {
    final class Health: Sendable {
        let healthy = Mutex(true)
    }

    @Test(.timeLimit(.minutes(1)))
    func pingsOnlyWhileHealthyAndSaysStopping() async throws {
        let directory = try TemporaryDirectory(prefix: "yiwang-watchdog")
        defer { directory.remove() }
        let socket = try NotifySocket(path: directory.file("notify.sock"))
        // WATCHDOG_USEC 100 ms: a ping every 50 ms.
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.name, "WATCHDOG_USEC": "100000"])
        let health = Health()
        let service = SystemdWatchdogService(notifier: notifier, component: "test store", logger: Logger(label: "t")) {
            health.healthy.withLock { $0 }
        }
        let running = Task { try await service.run() }
        try await Task.sleep(for: .milliseconds(400))
        let healthy = socket.pending()
        #expect(healthy.filter { $0 == "WATCHDOG=1\n" }.count >= 3, "\(healthy)")
        health.healthy.withLock { $0 = false }
        try await Task.sleep(for: .milliseconds(100))
        _ = socket.pending()
        try await Task.sleep(for: .milliseconds(400))
        #expect(socket.pending().filter { $0 == "WATCHDOG=1\n" }.isEmpty, "a ping while the store does not answer")
        running.cancel()
        try await running.value
        #expect(socket.receive() == "STOPPING=1\n")
    }
}
