import ArgumentParser
import Foundation

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Bulk-write a JSON Lines file at a node, in chunks, with progress and a summary.",
        discussion: """
            Each line is {"key": "...", "value": {...}} or {"key": "...", "delete": true}.
            A chunk the node refuses stops the import and names the line; chunks before it are written.
            """)

    @OptionGroup var endpoints: Endpoints
    @Argument(help: "The .jsonl file.") var file: String
    @Option(help: "Dataset to write into.") var dataset: String
    @Option(help: "The official or system account responsible (sent as X-Actor).") var actor: String
    @Option(help: "Lines per request.") var chunk = 5_000

    func run() throws {
        try runReportingFailure {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CommandFailure(description: "cannot read \(file)")
            }
            let url = try endpoints.edgeURL() + "/v1/records/\(pathSegment(dataset))"
            let client = endpoints.client()
            let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
            let started = Date()
            var written = 0
            var index = 0
            while index < lines.count {
                let end = min(lines.count, index + max(1, chunk))
                var body: [UInt8] = []
                for line in lines[index..<end] {
                    body += line
                    body.append(UInt8(ascii: "\n"))
                }
                do {
                    _ = try client.call(
                        "POST", url, headers: [("X-Actor", actor), ("Content-Type", "application/x-ndjson")], body: body)
                } catch let failure as CommandFailure {
                    throw CommandFailure(
                        description: "lines \(index + 1)-\(end) refused, \(written) lines written before: \(failure)")
                }
                written = end
                index = end
                let rate = Double(written) / max(0.001, Date().timeIntervalSince(started))
                FileHandle.standardError.write(
                    Data("\r\(written)/\(lines.count) lines (\(Int(rate))/s)".utf8))
            }
            let seconds = Date().timeIntervalSince(started)
            FileHandle.standardError.write(Data("\n".utf8))
            print("imported \(written) lines into \(dataset) in \(String(format: "%.1f", seconds)) s")
        }
    }
}
