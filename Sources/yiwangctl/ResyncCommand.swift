import ArgumentParser
import Foundation
import YiwangAPI

/// `yiwangctl resync --edge URL`: the node bootstraps again from the hub's snapshot, then follows its feed.
struct ResyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resync",
        abstract: "Make a node take its datasets from the hub again (downlink cursor 0: a snapshot, then the feed).",
        discussion: """
            Safe at any time: versions the node already holds are recognised and ignored. Follow the catch-up \
            with the node's `GET /v1/status` (downlink snapshot progress and lag) and \
            `yiwangctl digest DATASET --hub URL --edge URL`.
            """)

    @OptionGroup var endpoints: Endpoints

    func run() throws {
        try runReportingFailure {
            let answer = try endpoints.client().decode(
                ResyncAnswer.self, "POST", try endpoints.edgeURL() + "/v1/downlink/resync")
            print(
                "resync started: downlink cursor \(answer.previousCursor) -> 0; the node bootstraps from the hub's snapshot")
        }
    }
}
