import ArgumentParser
import Foundation
import YiwangAPI
import YiwangCore
import YiwangStore

/// `yiwangctl blame DATASET KEY`: every version of a record the hub has seen — who, where, when, which won.
/// Entries archived and pruned from the hub are named by their segment; with `--archive DIR` (verified first)
/// they are listed too.
struct BlameCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blame", abstract: "Every version the hub has seen of a record: node, actor, time, vector, fate.")

    @OptionGroup var endpoints: Endpoints
    @Flag(help: "Print the JSON answer.") var json = false
    @Option(help: "An archive directory (audit archive --out): list the record's archived versions too.")
    var archive: String?
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
            let archived = try archivedVersions(history)
            print("\(dataset)/\(key): \(archived.count + history.versions.count) version(s)")
            if let note = history.archived, archive == nil {
                let place = note.segment.map { " in segment \($0)" + (note.directory.map { " of \($0)" } ?? "") } ?? ""
                print("  older entries archived (newest at seq \(note.newestArchivedSeq)\(place)); add --archive DIR")
            }
            for (v, segment) in archived { print(line(v, archivedIn: segment)) }
            for v in history.versions { print(line(v, archivedIn: nil)) }
        }
    }

    private func line(_ v: VersionHistoryItem, archivedIn segment: String?) -> String {
        let via = v.node == v.origin ? "" : " via \(v.node)"
        let place = segment.map { " [archived: \($0)]" } ?? ""
        return "  \(v.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(v.operation) by "
            + "\(v.actor) at node \(v.origin)\(via), written \(isoTime(v.writtenAtMs)), "
            + "received \(isoTime(v.receivedAtMs)), vector \(v.vector), seq \(v.auditSeq)\(place)"
    }

    /// The record's versions in the archive, older than its first live one, each with its segment file; the
    /// archive is verified on the way (a broken one is refused, never shown).
    private func archivedVersions(_ history: HistoryBody) throws -> [(VersionHistoryItem, String)] {
        guard let archive else { return [] }
        var entries: [AuditEntry] = []
        var segments: [Int64: String] = [:]
        let wanted = RecordKey(dataset: dataset, key: key)
        let firstLive = history.versions.first?.auditSeq ?? Int64.max
        let checked: AuditArchiveVerification
        do {
            checked = try AuditArchiveVerifier.verify(AuditArchiveDirectory(path: archive)) { entry, segment in
                guard entry.seq < firstLive, RecordKey(dataset: entry.dataset, key: entry.key) == wanted else { return }
                entries.append(entry)
                segments[entry.seq] = segment.file
            }
        } catch {
            throw CommandFailure(description: "cannot read \(archive): \(error)")
        }
        if let problem = checked.problem { throw CommandFailure(description: "archive BROKEN: \(problem)") }
        let visible = Set(history.versions.filter { $0.status == .visible }.map(\.vector))
        return RecordHistoryItems.archived(entries, visibleVectors: visible).map { ($0, segments[$0.auditSeq] ?? "") }
    }
}
