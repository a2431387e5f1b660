import ArgumentParser
import Foundation
import YiwangAPI
import YiwangCore
import YiwangStore

extension AuditCommand.Verify {
    /// `audit verify --archive DIR` with `--file` or `--hub`: the archive and the live chain as one chain
    /// (`AuditArchiveLink`). With `--file` the records are replayed over archived and live entries; the hub's
    /// own records check (`--hub`) has no archive, so records with archived history are counted, not claimed.
    func verifyWithArchive(_ archive: AuditArchiveDirectory, _ expected: AuditHead?) throws {
        let result: ArchivedChainVerification
        var notReplayed = 0
        if let file = source.file {
            do {
                result = try AuditFile.verify(path: file, archive: archive, expecting: expected)
            } catch {
                throw CommandFailure(description: "cannot read \(file) or \(archive.path): \(error)")
            }
        } else {
            (result, notReplayed) = try verifyLiveWithArchive(archive, expected)
        }
        if let problem = result.problem { throw CommandFailure(description: "audit log BROKEN: \(problem)") }
        let live = result.live
        print(
            "audit log intact as one chain: \(result.archive.entries) archived entries in "
                + "\(result.archive.segments) segment(s) (seq 1...\(result.archive.head.seq)), then "
                + "\(live?.checked ?? 0) live entries, head \(live?.head ?? result.archive.head)")
        if notReplayed > 0 {
            print(
                "records: \(notReplayed) not replayed by the hub: part of their history is archived "
                    + "(verify a copy with --file hub.sqlite --archive DIR to replay them)")
        }
    }

    private func verifyLiveWithArchive(_ archive: AuditArchiveDirectory, _ expected: AuditHead?) throws
        -> (ArchivedChainVerification, Int)
    {
        let pruned = try prunedHead()
        var expectedHash: AuditHash?
        let checked: AuditArchiveVerification
        do {
            checked = try AuditArchiveVerifier.verify(archive, hashAt: pruned.seq) { entry, _ in
                if entry.seq == expected?.seq { expectedHash = entry.hash }
            }
        } catch {
            throw CommandFailure(description: "cannot read \(archive.path): \(error)")
        }
        var result = ArchivedChainVerification(archive: checked, live: nil, problem: checked.problem?.description)
        guard result.problem == nil else { return (result, 0) }
        if let expected,
            let problem = AuditArchiveLink.expectationProblem(expected, archive: checked, archivedHash: expectedHash)
        {
            result.problem = problem
            return (result, 0)
        }
        let live = try verifyLiveChain(from: pruned, expected.flatMap { $0.seq > checked.head.seq ? $0 : nil })
        result.live = live
        var liveHash: AuditHash?
        if checked.head.seq > pruned.seq {
            let base = try source.endpoints.hubURL()
            let page = try source.endpoints.client().decode(
                AuditPage.self, "GET", base + "/v1/audit?from=\(checked.head.seq)&limit=1")
            liveHash = page.entries.first.flatMap { $0.seq == checked.head.seq ? $0.entry.hash : nil }
        }
        result.problem =
            AuditArchiveLink.problem(archive: checked, pruned: pruned, liveHead: live.head, liveHashAtArchiveHead: liveHash)
            ?? live.problem.map { "live chain: \($0)" }
        guard result.problem == nil else { return (result, 0) }
        let url = try source.endpoints.hubURL() + "/v1/audit/verify"
        let verdict = try source.endpoints.client().decode(AuditVerifyBody.self, "GET", url)
        result.problem = verdict.problem.map { "hub records check: \($0)" }
        return (result, verdict.recordsNotReplayed ?? 0)
    }
}
