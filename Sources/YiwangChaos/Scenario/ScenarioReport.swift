import Foundation

/// What one scenario run reports: its parameters, the schedule's size, the checker's counts and delays.
public struct ScenarioReport: Sendable, Codable {
    public var seed: UInt64
    public var nodes: Int
    public var durationMs: Int
    public var partitions: Int
    public var kills: Int
    public var events: Int
    public var samples: Int
    public var quiescent: Bool
    /// From the heal to quiescence, and the whole scenario (start-up to integrity checks), in ms.
    public var quiescentAfterMs = 0
    /// What the run still waited on when quiescence timed out.
    public var notQuiescentBecause: String?
    public var totalMs = 0
    public var result: CheckResult
    /// Delays (ms) to detect a cut longer than the bound and to return to realtime after it; nil when none.
    public var detectP50Ms: Int?
    public var detectMaxMs: Int?
    public var recoverP50Ms: Int?
    public var recoverMaxMs: Int?
    public var dataDirectory: String
    public var schedule: [NemesisEvent]

    public init(seed: UInt64, nodes: Int, durationMs: Int, schedule: NemesisSchedule, samples: Int, quiescent: Bool,
                result: CheckResult, dataDirectory: String)
    {
        self.seed = seed
        self.nodes = nodes
        self.durationMs = durationMs
        self.partitions = schedule.partitions
        self.kills = schedule.kills
        self.events = schedule.events.count
        self.samples = samples
        self.quiescent = quiescent
        self.result = result
        self.detectP50Ms = result.detectDelaysMs.isEmpty ? nil : result.detectDelaysMs.percentile(0.5)
        self.detectMaxMs = result.detectDelaysMs.max()
        self.recoverP50Ms = result.recoveryDelaysMs.isEmpty ? nil : result.recoveryDelaysMs.percentile(0.5)
        self.recoverMaxMs = result.recoveryDelaysMs.max()
        self.dataDirectory = dataDirectory
        self.schedule = schedule.events
    }

    public var ok: Bool { quiescent && result.ok }

    /// `seed=42 nodes=4 partitions=9 kills=3 acked=1210 lost=0 duplicated=0 converged=yes detect_p50=2.3s ...`
    public var summary: String {
        "seed=\(seed) nodes=\(nodes) partitions=\(partitions) kills=\(kills) acked=\(result.acked) "
            + "lost=\(result.lost) duplicated=\(result.duplicated) converged=\(result.converged) "
            + "realtime_while_cut=\(result.realtimeWhileCut) false_realtime=\(result.falseRealtime) "
            + "false_realtime_skew=\(result.falseRealtimeDuringSkew) detect_p50=\(Self.seconds(detectP50Ms)) "
            + "detect_max=\(Self.seconds(detectMaxMs)) recover_p50=\(Self.seconds(recoverP50Ms)) "
            + "recover_max=\(Self.seconds(recoverMaxMs)) integrity=\(result.integrityFailures == 0 ? "ok" : "FAILED") "
            + "superseded=\(result.superseded) conflict_losers=\(result.conflictLosers) "
            + "quiesced_in=\(Self.seconds(quiescentAfterMs)) " + (quiescent ? "" : "quiescent=no ")
            + (result.divergedNotEnforced.isEmpty ? "" : "diverged_not_enforced=\(result.divergedNotEnforced.count) ")
            + (ok ? "ok" : "VIOLATION")
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func seconds(_ ms: Int?) -> String { ms.map { String(format: "%.1fs", Double($0) / 1_000) } ?? "n/a" }
}
