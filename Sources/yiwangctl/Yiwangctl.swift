import ArgumentParser

/// `yiwangctl`: the operators' command line for a Yiwang hub and its nodes.
@main
struct Yiwangctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yiwangctl",
        abstract: "Operate a Yiwang province hub and its city/county nodes.",
        discussion: """
            Hub commands take --hub URL (or YIWANG_HUB); node commands take --edge URL (or YIWANG_EDGE).
            Errors print one line and exit non-zero.
            """,
        subcommands: [
            StatusCommand.self, PutCommand.self, GetCommand.self, DeleteCommand.self, ImportCommand.self,
            DigestCommand.self, ConflictsCommand.self, NodeCommand.self, QuarantineCommand.self, TopologyCommand.self,
            ResyncCommand.self, CredentialsCommand.self, AppCredentialCommand.self, AuditCommand.self,
            BlameCommand.self, HubCommand.self,
        ])
}
