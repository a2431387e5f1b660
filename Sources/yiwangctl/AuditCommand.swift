import ArgumentParser
import Foundation
import YiwangAPI
import YiwangCore
import YiwangStore

/// `yiwangctl audit verify|head|archive`: checks the hash-chained audit log of a live hub (`--hub URL`) or of a
/// copy of a SQLite file (`--file hub.sqlite` or `--file edge.sqlite`), with its sealed archives
/// (`--archive DIR`), exports its head, and seals old entries (`AuditArchiveCommand`).
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Verify the tamper-evident audit log, or export its head.",
        subcommands: [Verify.self, Head.self, AuditArchiveCommand.self])

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
        @Option(help: "An archive directory (audit archive --out): checked with the live chain as one chain.")
        var archive: String?

        func run() throws {
            try runReportingFailure {
                var expected: AuditHead?
                if let expectHead {
                    guard let head = AuditHead(parsing: expectHead) else {
                        throw CommandFailure(description: "--expect-head: expected SEQ:HASH")
                    }
                    expected = head
                }
                if let archive {
                    return try verifyWithArchive(AuditArchiveDirectory(path: archive), expected)
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
                var problem = result.problem.map(\.description)
                var hubVerdict: AuditVerifyBody?
                if problem == nil && source.file == nil {
                    // The chain is checked here; the records against it only where they are: at the hub.
                    let url = try source.endpoints.hubURL() + "/v1/audit/verify"
                    hubVerdict = try source.endpoints.client().decode(AuditVerifyBody.self, "GET", url)
                    problem = hubVerdict?.problem.map(\.description)
                }
                var notReplayed = result.recordsNotReplayed
                if problem == nil && source.file == nil {
                    notReplayed = hubVerdict?.recordsNotReplayed ?? 0
                }
                guard let problem else {
                    if result.archivedThrough > 0 {
                        print(
                            "audit log intact from the pruned head at seq \(result.archivedThrough) "
                                + "(\(result.archivedThrough) entries are archived, not checked here: add --archive DIR): "
                                + "\(result.checked) live entries, head \(result.head)")
                    } else {
                        print("audit log intact: \(result.checked) entries, head \(result.head)")
                    }
                    if notReplayed > 0 {
                        print(
                            "records: \(notReplayed) not replayed: part of their history is archived "
                                + "(verify a copy with --file hub.sqlite --archive DIR to replay them)")
                    }
                    return
                }
                throw CommandFailure(description: "audit log BROKEN at \(problem)")
            }
        }

        /// Fetches the log page by page and verifies it here (the hub is not trusted to verify itself).
        private func verifyLive(_ expected: AuditHead?) throws -> AuditVerification {
            let pruned = try prunedHead()
            if let expected, expected.seq < pruned.seq {
                let problem = AuditProblem(
                    position: 0, seq: expected.seq,
                    reason: "the exported head \(expected) is in the archived part (pruned up to seq \(pruned.seq)): "
                        + "check it with --archive DIR")
                return AuditVerification(checked: 0, head: pruned, problem: problem, archivedThrough: pruned.seq)
            }
            var result = try verifyLiveChain(from: pruned, expected)
            result.archivedThrough = pruned.seq
            return result
        }

        /// The hub's pruned head (the live chain continues from it).
        func prunedHead() throws -> AuditHead {
            let url = try source.endpoints.hubURL() + "/v1/audit/archives"
            let state = try source.endpoints.client().decode(ArchiveStateBody.self, "GET", url)
            guard let head = AuditHead(parsing: state.prunedHead) else {
                throw CommandFailure(description: "unexpected answer from \(url): pruned head '\(state.prunedHead)'")
            }
            return head
        }

        /// Fetches the live chain after `anchor` page by page and verifies it here.
        func verifyLiveChain(from anchor: AuditHead, _ expected: AuditHead?) throws -> AuditVerification {
            let base = try source.endpoints.hubURL()
            let client = source.endpoints.client()
            var verifier = AuditChainVerifier(anchor: anchor, expecting: expected)
            var from: Int64 = anchor.seq.saturatingAdd(1)
            while true {
                let page = try client.decode(AuditPage.self, "GET", base + "/v1/audit?from=\(from)&limit=5000")
                for body in page.entries where !verifier.check(body.entry) { return verifier.finish() }
                guard let last = page.entries.last else { break }
                guard last.seq < Int64.max, last.seq >= from else { break }  // a hostile page never loops or traps
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
