import ArgumentParser
import Foundation
import Logging
import YiwangChaos
import YiwangCore

/// `yiwang-chaos netns`: the root-only partition mode (network namespaces, veth, iptables DROP).
struct NetnsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netns",
        abstract: "Root-only partitions: put a node in a network namespace and cut it with iptables DROP.",
        discussion: """
            Each node NAME gets namespace yw-NAME joined to the host by a veth pair on
            subnet 10.77.x.y/30 chosen by --index; start the node inside with
              ip netns exec yw-NAME yiwang-edge --hub http://HOST_ADDRESS:PORT ...
            with its parent listening on the host address (create prints both).
            Where it cannot run (not root, no iproute2 or iptables), every
            subcommand prints "skipped: REASON" and exits 77.
            """,
        subcommands: [Check.self, Create.self, Partition.self, Heal.self, Destroy.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Exit 0 if the netns mode can run here, else 77.")
        func run() throws {
            _ = lab()
            print("ok")
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a node's namespace and link.")
        @OptionGroup var node: NodeOptions
        func run() throws {
            let node = try self.node.resolved()
            perform { try lab().create(node) }
            print("netns=\(node.namespace) node=\(node.nodeAddress) host=\(node.hostAddress)")
        }
    }

    struct Partition: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Drop the node's traffic (iptables DROP).")
        @OptionGroup var node: NodeOptions
        @Option(help: "upstream (node to host), downstream (host to node) or both.")
        var direction: String = "both"
        func run() throws {
            guard let parsed = FaultDirection(rawValue: direction) else {
                throw ValidationError("--direction must be upstream, downstream or both")
            }
            let node = try self.node.resolved()
            perform { try lab().partition(node, direction: parsed) }
        }
    }

    struct Heal: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove every DROP rule of the node.")
        @OptionGroup var node: NodeOptions
        func run() throws {
            let node = try self.node.resolved()
            lab().heal(node)
        }
    }

    struct Destroy: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove the node's namespace and link.")
        @OptionGroup var node: NodeOptions
        func run() throws {
            let node = try self.node.resolved()
            perform { try lab().destroy(node) }
        }
    }

    struct NodeOptions: ParsableArguments {
        @Argument(help: "The node's short name: 1 to 9 characters from [a-z0-9].")
        var name: String
        @Option(help: "1...16383: picks the node's /30 subnet (give each live node its own).")
        var index: Int = 1

        func resolved() throws -> NetnsNode {
            do {
                return try NetnsNode(name: name, index: index)
            } catch {
                throw ValidationError(error.description)
            }
        }
    }
}

/// The lab, or exit 77 with the reason it cannot run here.
private func lab() -> NetnsLab {
    if let reason = NetnsLab.unavailableReason() {
        FileHandle.standardError.write(Data("yiwang-chaos netns: skipped: \(reason)\n".utf8))
        Foundation.exit(77)
    }
    LoggingSystem.bootstrap { StreamLogHandler.standardOutput(label: $0) }
    return NetnsLab(logger: Logger(label: "yiwang-chaos"))
}

/// Runs `body`; a failure prints one line and exits 1.
private func perform(_ body: () throws -> Void) {
    do {
        try body()
    } catch {
        FileHandle.standardError.write(Data("yiwang-chaos netns: \(error)\n".utf8))
        Foundation.exit(1)
    }
}
