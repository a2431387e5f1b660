import Foundation
import Testing
import YiwangTesting

/// `deploy/install.sh`, run for real but staged under DESTDIR (so the host is never touched), with stub
/// binaries via --bin-dir (so nothing is built).
@Suite struct InstallScriptTests {
    private static let script = Ops.path("deploy/install.sh")

    private static func install(_ arguments: [String], destdir: String) throws -> Ops.Output {
        try Ops.run("/bin/bash", [script] + arguments, environment: ["DESTDIR": destdir])
    }

    /// A folder of executables named like the products.
    private static func stubBinaries(in directory: TemporaryDirectory) throws -> String {
        let bin = try directory.subdirectory("stub-bin")
        for binary in Ops.binaries {
            _ = FileManager.default.createFile(
                atPath: "\(bin)/\(binary)", contents: Data("#!/bin/sh\necho \(binary)\n".utf8),
                attributes: [.posixPermissions: 0o755])
        }
        return bin
    }

    @Test(.timeLimit(.minutes(1)))
    func dryRunNamesEveryBinaryAndUnitAndChangesNothing() throws {
        let directory = try TemporaryDirectory(prefix: "yiwang-install")
        defer { directory.remove() }
        let destdir = directory.file("stage")
        let started = ContinuousClock.now
        let output = try Self.install(["--dry-run"], destdir: destdir)
        #expect(output.status == 0, "\(output)")
        // Fast, because a dry run plans the build but does not run it.
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(output.stdout.contains("+ swift build --package-path \(Ops.repository) -c release"))
        for binary in Ops.binaries {
            #expect(output.stdout.contains("\(destdir)/usr/local/bin/\(binary)"), "plan lacks \(binary)")
        }
        for unit in Ops.units {
            #expect(output.stdout.contains("\(destdir)/etc/systemd/system/\(unit)"), "plan lacks \(unit)")
        }
        #expect(output.stdout.contains("\(destdir)/etc/yiwang/hub.yaml"))
        #expect(!FileManager.default.fileExists(atPath: destdir), "a dry run created \(destdir)")

        let uninstall = try Self.install(["--uninstall", "--purge", "--dry-run"], destdir: destdir)
        #expect(uninstall.status == 0, "\(uninstall)")
        for binary in Ops.binaries { #expect(uninstall.stdout.contains("rm -f \(destdir)/usr/local/bin/\(binary)")) }
        #expect(uninstall.stdout.contains("rm -rf \(destdir)/etc/yiwang \(destdir)/var/lib/yiwang"))
    }

    @Test func installIsIdempotentKeepsConfigsAndUninstallKeepsData() throws {
        let directory = try TemporaryDirectory(prefix: "yiwang-install")
        defer { directory.remove() }
        let bin = try Self.stubBinaries(in: directory)
        let stage = directory.file("stage")
        let files = FileManager.default

        let first = try Self.install(["--bin-dir", bin, "--prefix", "/opt/yiwang"], destdir: stage)
        #expect(first.status == 0, "\(first)")
        for binary in Ops.binaries {
            #expect(files.isExecutableFile(atPath: "\(stage)/opt/yiwang/bin/\(binary)"))
        }
        for unit in Ops.units {
            let text = try String(contentsOfFile: "\(stage)/etc/systemd/system/\(unit)", encoding: .utf8)
            // ExecStart follows the prefix.
            #expect(text.contains("ExecStart=/opt/yiwang/bin/yiwang-"), "\(unit)")
            #expect(!text.contains("/usr/local/bin"), "\(unit)")
        }
        for config in ["hub.yaml", "topology.yaml", "examples/edge-city.yaml", "examples/edge-county.yaml"] {
            #expect(files.fileExists(atPath: "\(stage)/etc/yiwang/\(config)"), "\(config)")
        }
        let credentials = try files.attributesOfItem(atPath: "\(stage)/etc/yiwang/credentials")
        #expect((credentials[.posixPermissions] as? Int) == 0o700)

        // The operator edits the config and keeps data; a second run (an upgrade) leaves both alone.
        let hubConfig = "\(stage)/etc/yiwang/hub.yaml"
        try "listen: 0.0.0.0:9400\ntopology: topology.yaml\n".write(toFile: hubConfig, atomically: true, encoding: .utf8)
        try files.createDirectory(atPath: "\(stage)/var/lib/yiwang/hub", withIntermediateDirectories: true)
        try "data".write(toFile: "\(stage)/var/lib/yiwang/hub/hub.sqlite", atomically: true, encoding: .utf8)
        let second = try Self.install(["--bin-dir", bin, "--prefix", "/opt/yiwang"], destdir: stage)
        #expect(second.status == 0, "\(second)")
        #expect(second.stdout.contains("Keeping the existing \(hubConfig)"))
        #expect(try String(contentsOfFile: hubConfig, encoding: .utf8).contains("9400"))

        // Uninstall removes binaries and units, keeps configs and data.
        let removed = try Self.install(["--uninstall", "--prefix", "/opt/yiwang"], destdir: stage)
        #expect(removed.status == 0, "\(removed)")
        for binary in Ops.binaries { #expect(!files.fileExists(atPath: "\(stage)/opt/yiwang/bin/\(binary)")) }
        for unit in Ops.units { #expect(!files.fileExists(atPath: "\(stage)/etc/systemd/system/\(unit)")) }
        #expect(files.fileExists(atPath: hubConfig))
        #expect(files.fileExists(atPath: "\(stage)/var/lib/yiwang/hub/hub.sqlite"))

        // --purge removes them too.
        let purged = try Self.install(["--uninstall", "--purge"], destdir: stage)
        #expect(purged.status == 0, "\(purged)")
        #expect(!files.fileExists(atPath: "\(stage)/etc/yiwang"))
        #expect(!files.fileExists(atPath: "\(stage)/var/lib/yiwang"))
    }

    /// Safe defaults (issue 13, class 10): the live hub config install.sh puts in place never allows plain
    /// HTTP; a tree whose hub.yaml does is refused before anything is installed.
    @Test func aPlainHTTPHubConfigIsNeverInstalledAsTheLiveOne() throws {
        let directory = try TemporaryDirectory(prefix: "yiwang-install")
        defer { directory.remove() }
        let bin = try Self.stubBinaries(in: directory)
        let files = FileManager.default

        let stage = directory.file("stage")
        let shipped = try Self.install(["--bin-dir", bin], destdir: stage)
        #expect(shipped.status == 0, "\(shipped)")
        let live = try String(contentsOfFile: "\(stage)/etc/yiwang/hub.yaml", encoding: .utf8)
        #expect(!live.split(separator: "\n").contains { $0.hasPrefix("allow_plain_http: true") })
        #expect(!live.split(separator: "\n").contains { $0.hasPrefix("listen: 0.0.0.0") })

        // A copy of the tree whose hub.yaml allows plain HTTP.
        let tree = try directory.subdirectory("tree")
        for folder in ["deploy", "config", "systemd"] {
            try files.copyItem(atPath: Ops.path(folder), toPath: "\(tree)/\(folder)")
        }
        let hubYAML = "\(tree)/config/hub.yaml"
        try (try String(contentsOfFile: hubYAML, encoding: .utf8) + "\nallow_plain_http: true\n")
            .write(toFile: hubYAML, atomically: true, encoding: .utf8)
        let otherStage = directory.file("other-stage")
        let refused = try Ops.run(
            "/bin/bash", ["\(tree)/deploy/install.sh", "--bin-dir", bin], environment: ["DESTDIR": otherStage])
        #expect(refused.status != 0, "\(refused)")
        #expect(refused.stderr.contains("allows plain HTTP"), "\(refused)")
        #expect(!files.fileExists(atPath: "\(otherStage)/etc/yiwang/hub.yaml"))
    }

    @Test func aWrongOptionStopsWithOneLine() throws {
        let directory = try TemporaryDirectory(prefix: "yiwang-install")
        defer { directory.remove() }
        let output = try Self.install(["--frobnicate"], destdir: directory.file("stage"))
        #expect(output.status != 0)
        #expect(output.stderr == "install.sh: unknown option '--frobnicate' (see --help)\n")
        let purge = try Self.install(["--purge"], destdir: directory.file("stage"))
        #expect(purge.status != 0 && purge.stderr.contains("--purge only goes with --uninstall"))
    }
}
