import ArgumentParser
import Foundation
import YiwangAPI

/// `yiwangctl blame DATASET KEY`: every version of a record the hub has seen — who, where, when, which won.
struct BlameCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blame", abstract: "Every version the hub has seen of a record: node, actor, time, vector, fate.")

    @OptionGroup var endpoints: Endpoints
    @Flag(help: "Print the JSON answer.") var json = false
    @Argument var dataset: String
    @Argument var key: String

    func run() throws {
        try runReportingFailure {
            let url = try endpoints.hubURL() + "/v1/records/\(pathSegment(dataset))/\(pathSegment(key))/history"
            let client = endpoints.client()
            if json {
                print(prettyJSON(try client.call("GET", url).body))
                return
            }
            let history = try client.decode(HistoryBody.self, "GET", url)
            print("\(dataset)/\(key): \(history.versions.count) version(s)")
            for v in history.versions {
                let via = v.node == v.origin ? "" : " via \(v.node)"
                print(
                    "  \(v.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(v.operation) by "
                        + "\(v.actor) at node \(v.origin)\(via), written \(isoTime(v.writtenAtMs)), "
                        + "received \(isoTime(v.receivedAtMs)), vector \(v.vector)")
            }
        }
    }
}
