import ArgumentParser
import Foundation
import YiwangCore

/// `yiwangctl app-credential create NAME --actor A [--actor B ...]`: a new token for a municipal application
/// of a node's local API. Prints the token once (give it to the application) and the entry to add under
/// `applications:` in the node's `app_credentials_file` (it holds only the token's SHA-256). Works offline.
struct AppCredentialCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app-credential", abstract: "Issue a token for an application of a node's local API.",
        subcommands: [Create.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new application token and the app_credentials_file entry that admits it.")
        @Option(name: .customLong("actor"), help: "An actor (X-Actor) the application may write as; repeatable.")
        var actors: [String] = []
        @Option(help: "Write the token to this file (mode 0600) instead of stdout.") var out: String?
        @Argument(help: "The application's name, [0-9A-Za-z._-]{1,64}.") var name: String

        func run() throws {
            try runReportingFailure {
                do throws(YiwangError) { try Validation.nodeID(name, field: "name") } catch {
                    throw CommandFailure(description: error.message)
                }
                guard !actors.isEmpty else { throw CommandFailure(description: "give at least one --actor") }
                for actor in actors {
                    do throws(YiwangError) { try Validation.actor(actor) } catch {
                        throw CommandFailure(description: error.message)
                    }
                }
                let token = CredentialToken.generate()
                let entry =
                    "  \(name):\n    token_sha256: \"\(CredentialToken.hash(token))\"\n    actors: ["
                    + actors.map(JSONText.quoted).joined(separator: ", ") + "]\n"
                if let out {
                    guard
                        FileManager.default.createFile(
                            atPath: out, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600])
                    else { throw CommandFailure(description: "cannot write \(out)") }
                } else {
                    print(token)
                }
                FileHandle.standardError.write(
                    Data("yiwangctl: add under `applications:` in the node's app_credentials_file:\n\(entry)".utf8))
            }
        }
    }
}
