import ArgumentParser
import Foundation
import YiwangAPI

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every expected node's state (realtime, lagging, stale, offline, never), worst first.")

    @OptionGroup var endpoints: Endpoints

    @Flag(help: "Print the hub's JSON report instead of the table.")
    var json = false

    @Option(help: "Redraw every N seconds until interrupted, in plain seconds: --watch 5 (an interactive flag).")
    var watch: Int?

    @Flag(help: "Never colour the states (colours are used only on a terminal anyway).")
    var noColour = false

    func run() throws {
        try runReportingFailure {
            let url = try endpoints.hubURL() + "/v1/nodes"
            let client = endpoints.client()
            repeat {
                if json {
                    print(prettyJSON(try client.call("GET", url).body))
                } else {
                    let report = try client.decode(ConnectivityReport.self, "GET", url)
                    let table = report.renderTable(colour: !noColour && isTerminal())
                    if watch != nil && isTerminal() { print("\u{1B}[2J\u{1B}[H", terminator: "") }
                    print(table, terminator: "")
                }
                if let watch { Thread.sleep(forTimeInterval: Double(max(1, watch))) }
            } while watch != nil
        }
    }
}
