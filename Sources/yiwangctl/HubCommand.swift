import ArgumentParser
import Foundation
import Logging
import YiwangStore

/// `yiwangctl hub vacuum --data-dir DIR`: the one-time switch of a hub file created before audit archives to
/// `auto_vacuum=INCREMENTAL`, so that pruned audit entries give their space back (README "Audit archives").
struct HubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub", abstract: "Maintenance of the hub's data directory (offline).", subcommands: [Vacuum.self])

    struct Vacuum: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rewrite an older hub.sqlite once so pruned entries free disk space (stop the hub first).")
        @OptionGroup var store: CredentialsCommand.Store

        func run() async throws {
            try await runReportingFailureAsync {
                let hub = try store.open()
                guard try await !hub.reclaimsFreePages() else {
                    print("\(hub.path) already gives pruned pages back (auto_vacuum=INCREMENTAL): nothing to do")
                    return
                }
                try await hub.enableIncrementalVacuum()
                print("\(hub.path) rewritten with auto_vacuum=INCREMENTAL")
            }
        }
    }
}
