import Foundation
import Testing
import YiwangCore
import YiwangTesting

/// The units as an operator relies on them: `systemd-analyze verify` finds nothing to complain about, and
/// `systemd-analyze security --offline=yes` rates them well. Both need only the unit files, not a running
/// systemd; without systemd-analyze the suite is skipped (and says so), never passed empty-handed.
@Suite(.enabled(if: SystemdAnalyze.isAvailable, "systemd-analyze is missing or does not run here (apt-get install systemd): unit checks skipped"))
struct SystemdAnalyzeTests {
    /// A throw-away root holding the system's own units (targets, sockets) plus ours, and stub executables at
    /// the ExecStart paths: verify then checks our units without touching the host.
    private static func root(units: [String: String]) throws -> TemporaryDirectory {
        let root = try TemporaryDirectory(prefix: "yiwang-systemd-root")
        let system = ["/usr/lib/systemd/system", "/lib/systemd/system"].first {
            FileManager.default.fileExists(atPath: "\($0)/multi-user.target")
        }
        guard let system else { throw OpsError( "no system unit directory with multi-user.target") }
        _ = try root.subdirectory("usr/lib/systemd")
        let copy = try Ops.run("cp", ["-a", system, root.file("usr/lib/systemd/system")])
        guard copy.status == 0 else { throw OpsError( "copying \(system): \(copy)") }
        let unitDirectory = try root.subdirectory("etc/systemd/system")
        for (name, text) in units {
            try text.write(toFile: "\(unitDirectory)/\(name)", atomically: true, encoding: .utf8)
        }
        let bin = try root.subdirectory("usr/local/bin")
        for binary in Ops.binaries {
            _ = FileManager.default.createFile(
                atPath: "\(bin)/\(binary)", contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755])
        }
        return root
    }

    private static func verify(_ unit: String, root: TemporaryDirectory) throws -> Ops.Output {
        try Ops.run("systemd-analyze", ["verify", "--root=\(root.path)", unit])
    }

    private static func ourUnits() throws -> [String: String] {
        Dictionary(uniqueKeysWithValues: try Ops.units.map { ($0, try Ops.read("systemd/\($0)")) })
    }

    @Test(arguments: ["yiwang-hub.service", "yiwang-edge.service", "yiwang-edge@430100.service"])
    func verifyFindsNothing(unit: String) throws {
        let root = try Self.root(units: try Self.ourUnits())
        defer { root.remove() }
        let output = try Self.verify(unit, root: root)
        // verify exits 0 on unknown keys and merely prints them: any output is a finding.
        #expect(output.status == 0, "\(output)")
        #expect(output.stdout.isEmpty && output.stderr.isEmpty, "systemd-analyze verify \(unit):\n\(output)")
    }

    /// The harness itself: a typo and a missing executable are caught (so the test above can fail).
    @Test func verifyReportsATypoAndAMissingExecutable() throws {
        var units = try Self.ourUnits()
        units["yiwang-hub.service"] = units["yiwang-hub.service"]!
            .replacingOccurrences(of: "WatchdogSec=30", with: "WatchdogSecs=30")
        units["yiwang-edge.service"] = units["yiwang-edge.service"]!
            .replacingOccurrences(of: "/usr/local/bin/yiwang-edge", with: "/usr/local/bin/yiwang-edge-missing")
        let root = try Self.root(units: units)
        defer { root.remove() }
        let typo = try Self.verify("yiwang-hub.service", root: root)
        #expect((typo.stdout + typo.stderr).contains("WatchdogSecs"), "\(typo)")
        let missing = try Self.verify("yiwang-edge.service", root: root)
        #expect(missing.status != 0, "\(missing)")
        #expect((missing.stdout + missing.stderr).contains("yiwang-edge-missing"), "\(missing)")
    }

    @Test(arguments: Ops.units)
    func securityRatesTheUnitWell(unit: String) throws {
        let output = try Ops.run("systemd-analyze", ["security", "--offline=yes", Ops.path("systemd/\(unit)")])
        #expect(output.status == 0, "\(output)")
        let exposure = try #require(
            SystemdAnalyze.exposure(in: output.stdout), "no 'Overall exposure level' line in:\n\(output)")
        // systemd's scale: 0 is fully locked down, 10 unprotected; below 3 it calls the unit "OK" or "SAFE".
        #expect(exposure.score < 3.0, "\(unit): exposure \(exposure.score) \(exposure.rating)\n\(output.stdout)")
        #expect(["OK", "SAFE"].contains(exposure.rating))
    }

    /// The harness again: a unit with no hardening is rated UNSAFE, so the threshold above means something.
    @Test func securityRatesAnUnhardenedUnitUnsafe() throws {
        let directory = try TemporaryDirectory(prefix: "yiwang-systemd")
        defer { directory.remove() }
        let unit = directory.file("bare.service")
        try "[Service]\nExecStart=/usr/local/bin/yiwang-hub\n".write(toFile: unit, atomically: true, encoding: .utf8)
        let output = try Ops.run("systemd-analyze", ["security", "--offline=yes", unit])
        let exposure = try #require(SystemdAnalyze.exposure(in: output.stdout), "\(output)")
        #expect(exposure.score > 8 && exposure.rating == "UNSAFE", "\(output.stdout)")
    }
}

/// What the units promise, read straight from the files (no systemd needed).
@Suite struct SystemdUnitContentTests {
    /// `Key=value` lines of the [Service] section (comments skipped; repeated keys kept in order).
    private static func service(_ unit: String) throws -> [(String, String)] {
        var inService = false
        var pairs: [(String, String)] = []
        for raw in try Ops.read("systemd/\(unit)").split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") { inService = line == "[Service]" }
            guard inService, !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { continue }
            pairs.append((String(line[..<equals]), String(line[line.index(after: equals)...])))
        }
        return pairs
    }

    @Test(arguments: Ops.units)
    func notifyWatchdogRestartAndStopBound(unit: String) throws {
        let settings = Dictionary(try Self.service(unit), uniquingKeysWith: { _, last in last })
        #expect(settings["Type"] == "notify")
        #expect(settings["NotifyAccess"] == "main")
        // Durations carry their unit here too, as in every Yiwang config (systemd reads 30s as 30 seconds).
        #expect(settings["WatchdogSec"] == "30s")
        #expect(settings["Restart"] == "on-failure")
        #expect(settings["User"] == "yiwang" && settings["DynamicUser"] == "no")
        #expect(settings["ProtectSystem"] == "strict")
        #expect(settings["CapabilityBoundingSet"] == "")
        #expect(settings["UMask"] == "0077")
        // The daemons' graceful shutdown is bounded at 30 s; systemd must wait longer before SIGKILL.
        let stop = try #require(settings["TimeoutStopSec"].flatMap { try? ConfigDuration.milliseconds($0).get() })
        #expect(stop > 30_000)
        // The data directory the daemon is told about is the one systemd makes writable.
        let state = try #require(settings["StateDirectory"])
        let exec = try #require(settings["ExecStart"])
        #expect(exec.contains("--data-dir %S/\(state)"), "\(exec)")
        #expect(exec.hasPrefix("/usr/local/bin/yiwang-"))
    }

    @Test(arguments: ["yiwang-edge.service", "yiwang-edge@.service"])
    func theNodeTokenIsACredentialNotAFileInTheConfig(unit: String) throws {
        let settings = try Self.service(unit)
        let credentials = settings.filter { $0.0 == "LoadCredential" }.map(\.1)
        #expect(credentials.contains { $0.hasPrefix("token:/etc/yiwang/credentials/") })
        let exec = try #require(settings.first { $0.0 == "ExecStart" }?.1)
        #expect(exec.contains("--token-file %d/token"))
    }

    @Test func theTemplateInstanceIsTheNodeID() throws {
        let exec = try #require(try Self.service("yiwang-edge@.service").first { $0.0 == "ExecStart" }?.1)
        #expect(exec.contains("--node-id %i"))
        #expect(exec.contains("--config %E/yiwang/edge-%i.yaml"))
    }
}
