import ArgumentParser
import Foundation
import YiwangAPI

struct PutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put", abstract: "Write a record at a node: yiwangctl put DATASET KEY '{\"json\":\"object\"}'.")

    @OptionGroup var endpoints: Endpoints
    @Argument(help: "Dataset, e.g. population.") var dataset: String
    @Argument(help: "Record key.") var key: String
    @Argument(help: "The value, a JSON object (or - to read it from stdin).") var value: String
    @Option(help: "The official or system account responsible (sent as X-Actor).") var actor: String

    func run() throws {
        try runReportingFailure {
            let body = value == "-" ? [UInt8](FileHandle.standardInput.readDataToEndOfFile()) : Array(value.utf8)
            let url = try endpoints.edgeURL() + "/v1/records/\(pathSegment(dataset))/\(pathSegment(key))"
            let response = try endpoints.client().call(
                "PUT", url, headers: [("X-Actor", actor), ("Content-Type", "application/json")], body: body)
            print(prettyJSON(response.body))
        }
    }
}

struct DeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a record at a node.")

    @OptionGroup var endpoints: Endpoints
    @Argument var dataset: String
    @Argument var key: String
    @Option(help: "The official or system account responsible (sent as X-Actor).") var actor: String

    func run() throws {
        try runReportingFailure {
            let url = try endpoints.edgeURL() + "/v1/records/\(pathSegment(dataset))/\(pathSegment(key))"
            print(prettyJSON(try endpoints.client().call("DELETE", url, headers: [("X-Actor", actor)]).body))
        }
    }
}

struct GetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Read a record: from the node with --edge, else from the hub's merged state.")

    @OptionGroup var endpoints: Endpoints
    @Argument var dataset: String
    @Argument var key: String

    func run() throws {
        try runReportingFailure {
            let url = try endpoints.anyURL() + "/v1/records/\(pathSegment(dataset))/\(pathSegment(key))"
            print(prettyJSON(try endpoints.client().call("GET", url).body))
        }
    }
}

struct DigestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Print a dataset's order-independent digest; with both --hub and --edge, compare them.")

    @OptionGroup var endpoints: Endpoints
    @Argument var dataset: String

    func run() throws {
        try runReportingFailure {
            let client = endpoints.client()
            let path = "/v1/datasets/\(pathSegment(dataset))/digest"
            var seen: [(String, DigestBody)] = []
            if endpoints.hub != nil || endpoints.edge == nil { seen.append(("hub", try client.decode(DigestBody.self, "GET", endpoints.hubURL() + path))) }
            if endpoints.edge != nil { seen.append(("edge", try client.decode(DigestBody.self, "GET", endpoints.edgeURL() + path))) }
            for (name, d) in seen { print("\(name)  \(d.digest)  \(d.records) records") }
            if seen.count == 2 {
                let same = seen[0].1.digest == seen[1].1.digest
                print(same ? "converged: the node and the hub hold the same \(dataset)" : "DIFFERENT: not converged (yet)")
                if !same { throw ExitCode(2) }
            }
        }
    }
}
