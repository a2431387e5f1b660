import YiwangCore

/// One node of the root-only partition mode: a network namespace `yw-NAME` joined to the host by a veth pair
/// (`ywh-NAME` on the host, `ywn-NAME` inside), on its own /30 subnet `10.77.x.y`. A partition is an iptables
/// DROP rule on the receiving end of the link, so the sender sees what a cut cable shows: timeouts.
///
/// This type only computes names, addresses and command lines (no I/O); `NetnsLab` runs them.
public struct NetnsNode: Sendable, Hashable {
    public let name: String
    /// 1...16383; picks the subnet, so two live nodes need different indexes.
    public let index: Int

    /// Validates `name` (1 to 9 characters from `[a-z0-9]`, as interface names are at most 15 bytes) and `index`.
    public init(name: String, index: Int) throws(YiwangError) {
        guard (1...9).contains(name.utf8.count),
            name.utf8.allSatisfy({
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
            })
        else { throw .invalidField("name", "must be 1 to 9 characters from [a-z0-9]") }
        guard (1...16_383).contains(index) else { throw .invalidField("index", "must be from 1 to 16383") }
        self.name = name
        self.index = index
    }

    public var namespace: String { "yw-\(name)" }
    public var hostInterface: String { "ywh-\(name)" }
    public var nodeInterface: String { "ywn-\(name)" }

    /// The host's end of the link: the address the node's parent listens on (or the proxy, on the host side).
    public var hostAddress: String { address(offset: 1) }
    /// The node's own address inside its namespace.
    public var nodeAddress: String { address(offset: 2) }

    private func address(offset: Int) -> String {
        let base = index * 4 + offset
        return "10.77.\(base / 256).\(base % 256)"
    }

    /// The commands that create the namespace and its link (run in order, as root).
    public var createCommands: [[String]] {
        [
            ["ip", "netns", "add", namespace],
            ["ip", "link", "add", hostInterface, "type", "veth", "peer", "name", nodeInterface],
            ["ip", "link", "set", nodeInterface, "netns", namespace],
            ["ip", "addr", "add", "\(hostAddress)/30", "dev", hostInterface],
            ["ip", "link", "set", hostInterface, "up"],
            inside(["ip", "addr", "add", "\(nodeAddress)/30", "dev", nodeInterface]),
            inside(["ip", "link", "set", nodeInterface, "up"]),
            inside(["ip", "link", "set", "lo", "up"]),
        ]
    }

    /// The commands that silently drop traffic in `direction`, so the sender only sees timeouts (never an
    /// error): upstream = the node's packets, dropped as they reach the host; downstream = the host's packets,
    /// dropped as they reach the node.
    public func partitionCommands(_ direction: FaultDirection) -> [[String]] {
        var commands: [[String]] = []
        if direction.includes(.upstream) { commands.append(["iptables"] + upstreamRule(action: "-A")) }
        if direction.includes(.downstream) { commands.append(inside(["iptables"] + downstreamRule(action: "-A"))) }
        return commands
    }

    /// The commands that remove one copy of each DROP rule (`NetnsLab.heal` repeats them until none is left).
    public var healCommands: [[String]] {
        [["iptables"] + upstreamRule(action: "-D"), inside(["iptables"] + downstreamRule(action: "-D"))]
    }

    private func upstreamRule(action: String) -> [String] {
        [action, "INPUT", "-i", hostInterface, "-j", "DROP"]
    }

    private func downstreamRule(action: String) -> [String] {
        [action, "INPUT", "-i", nodeInterface, "-j", "DROP"]
    }

    /// The command that removes the namespace (and with it both ends of the link).
    public var destroyCommands: [[String]] { [["ip", "netns", "del", namespace]] }

    /// `command` run inside the namespace, e.g. to start the node's daemon there.
    public func inside(_ command: [String]) -> [String] { ["ip", "netns", "exec", namespace] + command }
}
