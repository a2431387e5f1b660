import ArgumentParser
import Foundation
import Logging
import YiwangCore
import YiwangHTTP
import YiwangStore

/// `yiwangctl credentials create|list|rotate|revoke`: works offline on the hub's data directory (the hub may
/// be running: SQLite serialises the writes). Tokens are printed once, or written to `--out FILE` (mode 0600).
struct CredentialsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credentials", abstract: "Issue, list, rotate and revoke node and operator credentials.",
        subcommands: [Create.self, List.self, Rotate.self, Revoke.self])

    struct Store: ParsableArguments {
        @Option(help: "The hub's data directory (holds hub.sqlite).") var dataDir: String

        func open() throws -> HubStore {
            guard FileManager.default.fileExists(atPath: (dataDir as NSString).appendingPathComponent("hub.sqlite"))
            else { throw CommandFailure(description: "no hub.sqlite in \(dataDir)") }
            return try HubStore(directory: dataDir, logger: Logger(label: "yiwangctl"))
        }
    }

    struct Output: ParsableArguments {
        @Option(help: "Write the token to this file (mode 0600) instead of stdout.") var out: String?

        func emit(_ token: String) throws {
            guard let out else {
                print(token)
                return
            }
            guard FileManager.default.createFile(
                atPath: out, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600])
            else { throw CommandFailure(description: "cannot write \(out)") }
            FileHandle.standardError.write(Data("yiwangctl: token written to \(out)\n".utf8))
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a credential; prints its token once.")
        @OptionGroup var store: Store
        @OptionGroup var output: Output
        @Option(help: "node (a node id from the topology), reader or admin.") var role: String = "node"
        @Argument(help: "The node id or the operator's name.") var name: String

        func run() async throws {
            try await runReportingFailureAsync {
                guard let role = CredentialToken.Role(rawValue: role) else {
                    throw CommandFailure(description: "--role must be node, reader or admin")
                }
                try Validation.nodeID(name, field: "name")
                let token = try await store.open().issueCredential(name: name, role: role, nowMs: nowMs())
                try output.emit(token)
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a new token for NAME; the old ones stop working after --grace (default: at once).")
        @OptionGroup var store: Store
        @OptionGroup var output: Output
        @Option(help: "How long the old tokens stay valid, with a unit: 0s, 10m, 24h.") var grace: String = "0s"
        @Argument var name: String

        func run() async throws {
            try await runReportingFailureAsync {
                let graceMs: Int64
                switch ConfigDuration.milliseconds(grace) {
                case .success(let ms): graceMs = ms
                case .failure(let refusal): throw CommandFailure(description: "--grace: '\(grace)' is \(refusal)")
                }
                let hub = try store.open()
                guard let old = try await hub.credentials().last(where: { $0.name == name }) else {
                    throw CommandFailure(description: "no credential named '\(name)'")
                }
                let token = try await hub.issueCredential(
                    name: name, role: old.role, replacingAfterMs: graceMs, nowMs: nowMs())
                try output.emit(token)
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke every credential of NAME at once.")
        @OptionGroup var store: Store
        @Argument var name: String

        func run() async throws {
            try await runReportingFailureAsync {
                let count = try await store.open().revokeCredentials(name: name, nowMs: nowMs())
                print("revoked \(count) credential(s) of \(name)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List credentials (never their tokens).")
        @OptionGroup var store: Store

        func run() async throws {
            try await runReportingFailureAsync {
                let now = nowMs()
                for c in try await store.open().credentials() {
                    let state =
                        c.isValid(atMs: now)
                        ? (c.revokedAtMs.map { "valid until \(isoTime($0))" } ?? "valid")
                        : "revoked \(isoTime(c.revokedAtMs ?? 0))"
                    print("\(c.name)\t\(c.role.rawValue)\tcreated \(isoTime(c.createdAtMs))\t\(state)")
                }
            }
        }
    }
}

func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

/// ISO 8601 UTC with milliseconds.
func isoTime(_ ms: Int64) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
}

/// `runReportingFailure` for async commands; also reports store errors as one line.
func runReportingFailureAsync(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let failure as CommandFailure {
        FileHandle.standardError.write(Data("yiwangctl: \(failure.description)\n".utf8))
        throw ExitCode(1)
    } catch let error as YiwangError {
        FileHandle.standardError.write(Data("yiwangctl: \(error.description)\n".utf8))
        throw ExitCode(1)
    }
}
