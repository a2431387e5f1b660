import ArgumentParser
import Foundation
import YiwangAPI
import YiwangCore
import YiwangStore

/// `yiwangctl audit verify|head`: checks the hash-chained audit log of a live hub (`--hub URL`) or of a copy of
/// a SQLite file (`--file hub.sqlite` or `--file edge.sqlite`), and exports its head.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Verify the tamper-evident audit log, or export its head.",
        subcommands: [Verify.self, Head.self])

    struct Source: ParsableArguments {
        @OptionGroup var endpoints: Endpoints
        @Option(help: "Verify a copy of hub.sqlite or edge.sqlite instead of a live hub (read-only).")
        var file: String?
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find any edited, inserted, deleted or reordered entry; exit 1 naming the first bad one.")
        @OptionGroup var source: Source
        @Option(help: "A head exported earlier (SEQ:HASH) that the log must still contain.") var expectHead: String?

        func run() throws {
            try runReportingFailure {
                var expected: AuditHead?
                if let expectHead {
                    guard let head = AuditHead(parsing: expectHead) else {
                        throw CommandFailure(description: "--expect-head: expected SEQ:HASH")
                    }
                    expected = head
                }
                let result: AuditVerification
                if let file = source.file {
                    do {
                        result = try AuditFile.verify(path: file, expecting: expected).1
                    } catch {
                        throw CommandFailure(description: "cannot read \(file): \(error)")
                    }
                } else {
                    result = try verifyLive(expected)
                }
                var problem = result.problem
                if problem == nil && source.file == nil {
                    // The chain is checked here; the records against it only where they are: at the hub.
                    let url = try source.endpoints.hubURL() + "/v1/audit/verify"
                    problem = try source.endpoints.client().decode(AuditVerifyBody.self, "GET", url).problem
                }
                guard let problem else {
                    print("audit log intact: \(result.checked) entries, head \(result.head)")
                    return
                }
                throw CommandFailure(description: "audit log BROKEN at \(problem)")
            }
        }

        /// Fetches the log page by page and verifies it here (the hub is not trusted to verify itself).
        private func verifyLive(_ expected: AuditHead?) throws -> AuditVerification {
            let base = try source.endpoints.hubURL()
            let client = source.endpoints.client()
            var verifier = AuditChainVerifier(expecting: expected)
            var from: Int64 = 1
            while true {
                let page = try client.decode(AuditPage.self, "GET", base + "/v1/audit?from=\(from)&limit=5000")
                for body in page.entries where !verifier.check(body.entry) { return verifier.finish() }
                guard let last = page.entries.last else { break }
                from = last.seq + 1
            }
            return verifier.finish()
        }
    }

    struct Head: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the head (SEQ:HASH); keep it elsewhere and check it later with verify --expect-head.")
        @OptionGroup var source: Source

        func run() throws {
            try runReportingFailure {
                if let file = source.file {
                    do {
                        print(try AuditFile.head(path: file))
                    } catch {
                        throw CommandFailure(description: "cannot read \(file): \(error)")
                    }
                    return
                }
                let url = try source.endpoints.hubURL() + "/v1/audit/head"
                print(try source.endpoints.client().decode(AuditHeadBody.self, "GET", url).head)
            }
        }
    }
}
