import Foundation
import YiwangTesting

/// Starts the real daemons (built next to this binary, or in `YIWANG_BIN_DIR`) on loopback for a scenario.
struct BenchDaemons {
    let directory: TemporaryDirectory

    /// Node ids of synthetic or real nodes: `n0001`, `n0002`, ...
    static func nodeID(_ n: Int) -> String {
        let digits = String(n)
        return "n" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// A topology with `nodes` nodes under the hub, each granted every bench dataset.
    func writeTopology(nodes: Int) throws -> String {
        var text = "hub: { id: \"hub\", name: \"Bench hub\" }\nnodes:\n"
        let grants = BenchRows.datasets.joined(separator: ", ")
        for n in 1...max(1, nodes) {
            let id = Self.nodeID(n)
            text += "  - { id: \"\(id)\", name: \"Node \(n)\", level: city, parent: \"hub\", datasets: [\(grants)] }\n"
        }
        text += "datasets:\n"
        for dataset in BenchRows.datasets { text += "  \(dataset): { policy: lww }\n" }
        let path = directory.file("topology-\(nodes).yaml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Extra hub flags that turn token checks off, when this hub build has them (benchmarks measure sync, not
    /// auth). Read from `yiwang-hub --help`, so the bench keeps working before and after tokens land.
    static let hubAuthOffFlags: [String] = {
        let help = helpText("yiwang-hub")
        let candidates = ["--no-auth", "--auth-off", "--disable-auth", "--insecure-no-auth", "--allow-unauthenticated"]
        return candidates.first { help.contains($0 + " ") || help.contains($0 + "\n") }.map { [$0] } ?? []
    }()

    static func helpText(_ product: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(DaemonProcess.binDirectory)/\(product)")
        process.arguments = ["--help"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        guard (try? process.run()) != nil else { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// A hub on `port` (0 = any free port) with a topology of `nodes` nodes; returns it and its base URL.
    /// `extra`: further hub flags.
    func startHub(nodes: Int, port: Int = 0, name: String = "hub", extra: [String] = []) async throws
        -> (DaemonProcess, String)
    {
        let topology = try writeTopology(nodes: nodes)
        let hub = try DaemonProcess(
            "yiwang-hub",
            arguments: [
                "--listen", "127.0.0.1:\(port)", "--data-dir", directory.file("\(name)-data"), "--topology", topology,
            ] + Self.hubAuthOffFlags + extra,
            logPath: directory.file("\(name).log"))
        _ = try await hub.waitForAddress(timeout: .seconds(60))
        return (hub, try await hub.baseURL())
    }

    /// An edge (`n0001` unless told) holding every bench dataset, shipping to `hubURL`.
    func startEdge(hubURL: String, name: String = "edge", node: String = nodeID(1), extra: [String] = [])
        async throws -> (DaemonProcess, String)
    {
        let edge = try DaemonProcess(
            "yiwang-edge",
            arguments: [
                "--node-id", node, "--hub", hubURL, "--listen", "127.0.0.1:0", "--data-dir",
                directory.file("\(name)-data"), "--datasets", BenchRows.datasets.joined(separator: ","),
                "--backoff-base", "20ms", "--backoff-cap", "200ms",
            ] + extra,
            logPath: directory.file("\(name).log"))
        _ = try await edge.waitForAddress(timeout: .seconds(60))
        return (edge, try await edge.baseURL())
    }

    /// A TCP port that was free a moment ago (for a hub started after its edge).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Memory and CPU of a process, from /proc.
enum ProcStatus {
    /// `VmRSS` and `VmHWM` (peak) in MB.
    static func memoryMB(_ pid: Int32) -> (rss: Double, peak: Double) {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Double {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return 0 }
            return (Double(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
        }
        return (field("VmRSS"), field("VmHWM"))
    }

    /// User + system CPU seconds so far.
    static func cpuSeconds(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "")
            .split(separator: " ").prefix(3).joined(separator: " ")
    }
}
