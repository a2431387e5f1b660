import ArgumentParser
import Foundation
import YiwangAPI

/// `yiwangctl resync --edge URL`: the node pulls the hub's whole feed again from the start.
struct ResyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resync",
        abstract: "Make a node re-pull every change of its datasets from the hub (downlink cursor back to 0).",
        discussion: """
            Safe at any time: versions the node already holds are recognised and ignored. Follow the catch-up \
            with `yiwangctl status --edge URL` (downlink lag) and `yiwangctl digest DATASET --hub URL --edge URL`.
            """)

    @OptionGroup var endpoints: Endpoints

    func run() throws {
        try runReportingFailure {
            let answer = try endpoints.client().decode(
                ResyncAnswer.self, "POST", try endpoints.edgeURL() + "/v1/downlink/resync")
            print("resync started: downlink cursor \(answer.previousCursor) -> 0; the node re-pulls from the hub")
        }
    }
}
