import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing
import YiwangChaos
import YiwangCore

@Suite struct NetnsNodeTests {
    @Test func namesAndAddressesFollowTheIndex() throws {
        let node = try NetnsNode(name: "c430100", index: 70)
        #expect(node.namespace == "yw-c430100")
        #expect(node.hostInterface == "ywh-c430100" && node.nodeInterface == "ywn-c430100")
        #expect(node.hostAddress == "10.77.1.25" && node.nodeAddress == "10.77.1.26")
        let last = try NetnsNode(name: "z", index: 16_383)
        #expect(last.hostAddress == "10.77.255.253" && last.nodeAddress == "10.77.255.254")
    }

    @Test func partitionsDropInTheNodesNamespace() throws {
        let node = try NetnsNode(name: "n1", index: 1)
        #expect(node.partitionCommands(.upstream) == [["iptables", "-A", "INPUT", "-i", "ywh-n1", "-j", "DROP"]])
        #expect(
            node.partitionCommands(.downstream) == [
                ["ip", "netns", "exec", "yw-n1", "iptables", "-A", "INPUT", "-i", "ywn-n1", "-j", "DROP"]
            ])
        #expect(node.partitionCommands(.both).count == 2)
        #expect(node.destroyCommands == [["ip", "netns", "del", "yw-n1"]])
    }

    @Test(arguments: [("", 1), ("UPPER", 1), ("toolongname", 1), ("a-b", 1), ("ok", 0), ("ok", 16_384)])
    func rejectsBadNamesAndIndexes(name: String, index: Int) {
        #expect(throws: YiwangError.self) { try NetnsNode(name: name, index: index) }
    }
}

/// The root-only mode for real: a node in its own namespace reaches the host, loses it when partitioned,
/// and reaches it again once healed. Skipped where it cannot run (not root, no iproute2 or iptables).
@Suite(
    .timeLimit(.minutes(1)),
    .enabled(if: NetnsLab.unavailableReason() == nil, Comment(rawValue: NetnsLab.unavailableReason() ?? "")))
struct NetnsLabTests {
    @Test func partitionCutsTheNodeOffAndHealRestoresIt() throws {
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        let node = try NetnsNode(name: "t\(pid % 10_000_000)", index: 1 + pid % 16_000)
        let lab = NetnsLab(logger: Logger(label: "yiwang-chaos-tests"))
        try lab.create(node)
        defer { try? lab.destroy(node) }
        let server = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: node.hostAddress, port: 0).wait()
        defer { try? server.close().wait() }
        let port = try #require(server.localAddress?.port)
        // bash's /dev/tcp connects from inside the namespace. With one SYN retry a dropped SYN or SYN-ACK
        // fails the connect after about 3 s, with no signal needed (children of the test inherit blocked signals).
        #expect(try run(node.inside(["sh", "-c", "echo 1 > /proc/sys/net/ipv4/tcp_syn_retries"])) == 0)
        let probe = node.inside(["bash", "-c", "exec 3<>/dev/tcp/\(node.hostAddress)/\(port)"])
        #expect(try run(probe) == 0)
        try lab.partition(node, direction: .upstream)
        #expect(try run(probe) != 0)
        lab.heal(node)
        #expect(try run(probe) == 0)
        try lab.partition(node, direction: .downstream)
        #expect(try run(probe) != 0)
        lab.heal(node)
    }

    /// Runs `command` and returns its exit status; kills it (SIGKILL) after 10 s.
    private func run(_ command: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
