import ArgumentParser

/// `yiwang-chaos`: fault injection for Yiwang drills and tests.
@main
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yiwang-chaos",
        abstract: "Chaos tools for Yiwang: a fault-injecting TCP proxy between a node and its parent.",
        subcommands: [ProxyCommand.self, NetnsCommand.self, RunCommand.self])
}
