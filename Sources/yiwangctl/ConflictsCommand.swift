import ArgumentParser
import Foundation
import YiwangAPI
import YiwangCore
import YiwangHTTP

struct ConflictsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conflicts", abstract: "List concurrent edits the hub resolved: both sides, who won and why.")

    @OptionGroup var endpoints: Endpoints
    @Option(help: "Only this dataset.") var dataset: String?
    @Option(help: "Only this key.") var key: String?
    @Option(help: "At most this many, newest first.") var limit = 50
    @Option(help: "Only conflicts older than this id (the next page, as printed after a full one).") var before: Int64?
    @Flag(help: "Print the JSON answer.") var json = false

    func run() throws {
        try runReportingFailure {
            var query = ["limit=\(limit)"]
            if let dataset { query.append("dataset=\(pathSegment(dataset))") }
            if let key { query.append("key=\(pathSegment(key))") }
            if let before { query.append("before=\(before)") }
            let url = try endpoints.hubURL() + "/v1/conflicts?" + query.joined(separator: "&")
            let client = endpoints.client()
            if json {
                print(prettyJSON(try client.call("GET", url).body))
                return
            }
            let list = try client.decode(ConflictsBody.self, "GET", url)
            if list.conflicts.isEmpty { print("no conflicts") }
            for c in list.conflicts {
                print("#\(c.id) \(c.dataset)/\(c.key) (\(c.resolution))")
                for (label, side) in [("won ", c.winner), ("lost", c.loser)] {
                    print("  \(label) \(side.op) by \(side.actor) at node \(side.origin), hlc \(side.hlcMs), vector \(side.vector)")
                }
            }
            if let next = list.nextBefore { print("more: yiwangctl conflicts --before \(next)") }
        }
    }
}
