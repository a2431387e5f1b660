import ArgumentParser
import Foundation
import Logging
import YiwangAPI
import YiwangCore
import YiwangStore

/// `yiwangctl audit archive --before 30d --out DIR`: seals the audit entries older than the cutoff into segment
/// files in DIR (continuing the chain DIR already holds), makes them durable, and only then has the hub record
/// the archive, which checks every claimed head against its own entry and prunes what is archived and compacted.
/// Offline with `--data-dir` (the hub's directory, as `credentials`), or live with `--hub` and an admin token.
struct AuditArchiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Seal audit entries older than --before into an archive directory; the hub may then prune them.")

    @OptionGroup var endpoints: Endpoints
    @Option(help: "The hub's data directory (holds hub.sqlite), to archive offline instead of through --hub.")
    var dataDir: String?
    @Option(help: "Seal entries older than this, with a unit: 30d, 12h (at least 1m).") var before: String
    @Option(help: "The archive directory (created if needed; later runs append segments to it).") var out: String

    func run() async throws {
        try await runReportingFailureAsync {
            let cutoff: Int64
            switch AuditArchiver.cutoff(before: before, nowMs: nowMs()) {
            case .success(let ms): cutoff = ms
            case .failure(let error): throw CommandFailure(description: "--before: \(error.message)")
            }
            let archiver = AuditArchiver(directory: AuditArchiveDirectory(path: out), cutoffMs: cutoff)
            let (run, state) = try await (dataDir != nil ? archiveOffline(archiver) : archiveLive(archiver))
            if let first = run.added.first, let last = run.added.last {
                print(
                    "sealed \(run.entries) entries (seq \(first.firstSeq)...\(last.lastSeq)) in \(run.added.count) "
                        + "segment(s) into \(out), head \(run.head)")
            } else {
                print("nothing new to seal: no entry after seq \(run.head.seq) is older than \(before)")
            }
            if let state {
                let now = state.prunedNow.map { ", \($0) removed now" } ?? ""
                print("hub: archived through seq \(state.archivedSeq), pruned through seq \(state.prunedSeq)\(now)")
            }
        }
    }

    private func archiveOffline(_ archiver: AuditArchiver) async throws -> (AuditArchiver.Run, ArchiveStateBody?) {
        guard let dataDir else { throw CommandFailure(description: "no --data-dir") }
        guard FileManager.default.fileExists(atPath: (dataDir as NSString).appendingPathComponent("hub.sqlite")) else {
            throw CommandFailure(description: "no hub.sqlite in \(dataDir)")
        }
        let store = try HubStore(directory: dataDir, logger: Logger(label: "yiwangctl"))
        let source = AuditArchiver.Source(
            entries: { from, limit in try await store.auditEntries(from: from, limit: limit) },
            prunedHead: try await store.prunedAuditHead(), archivedSeq: try await store.archiveState().archivedSeq)
        let run = try await archiver.run(source)
        guard !run.unrecorded.isEmpty else { return (run, nil) }
        return (run, try await store.recordArchive(claim(run), nowMs: nowMs()))
    }

    private func archiveLive(_ archiver: AuditArchiver) async throws -> (AuditArchiver.Run, ArchiveStateBody?) {
        let base = try endpoints.hubURL()
        let client = endpoints.client()
        let state = try client.decode(ArchiveStateBody.self, "GET", base + "/v1/audit/archives")
        guard let pruned = AuditHead(parsing: state.prunedHead) else {
            throw CommandFailure(description: "unexpected answer from the hub: pruned head '\(state.prunedHead)'")
        }
        let source = AuditArchiver.Source(
            entries: { from, limit in
                try client.decode(AuditPage.self, "GET", base + "/v1/audit?from=\(from)&limit=\(limit)").entries.map(
                    \.entry)
            }, prunedHead: pruned, archivedSeq: state.archivedSeq)
        let run = try await archiver.run(source)
        guard !run.unrecorded.isEmpty else { return (run, nil) }
        let body = Array(try JSONCoding.encoder.encode(claim(run)))
        let response = try client.call(
            "POST", base + "/v1/audit/archives", headers: [("Content-Type", "application/json")], body: body)
        guard let recorded = try? JSONCoding.decoder.decode(ArchiveStateBody.self, from: Data(response.body)) else {
            throw CommandFailure(description: "unexpected answer from the hub to the archive claim")
        }
        return (run, recorded)
    }

    private func claim(_ run: AuditArchiver.Run) -> ArchiveClaimBody {
        let directory = URL(fileURLWithPath: out).standardizedFileURL.path
        return ArchiveClaimBody(archiveID: run.manifest.archiveID, directory: directory, segments: run.unrecorded)
    }
}
