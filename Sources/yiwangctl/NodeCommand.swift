import ArgumentParser
import Foundation
import YiwangAPI
import YiwangCore

struct NodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Show a node's own view: backlog, oldest pending change, last sync, hub reachable, quarantine.")

    @OptionGroup var endpoints: Endpoints
    @Flag(help: "Print the node's JSON status.") var json = false

    func run() throws {
        try runReportingFailure {
            let url = try endpoints.edgeURL() + "/v1/status"
            let client = endpoints.client()
            if json {
                print(prettyJSON(try client.call("GET", url).body))
                return
            }
            let s = try client.decode(EdgeStatus.self, "GET", url)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let reachable = s.hubReachable.map { $0 ? "yes" : "NO" } ?? "not tried yet"
            print("node            \(s.nodeId)")
            print("hub reachable   \(reachable)\(s.lastSyncMs.map { " (last sync \(AgeFormat.short(ms: now - $0)) ago)" } ?? "")")
            print("backlog         \(s.backlog) changes not yet at the hub" + (s.oldestPendingAgeMs.map { ", oldest \(AgeFormat.short(ms: $0))" } ?? ""))
            print("outbox          written through seq \(s.highestSeq), acknowledged through \(s.ackedThrough)")
            print(
                "quarantined     \(s.quarantined)"
                    + (s.quarantined > 0
                        ? " refused by the hub, not at the province"
                            + (s.oldestQuarantinedAgeMs.map { ", oldest \(AgeFormat.short(ms: $0))" } ?? "")
                            + "  (yiwangctl quarantine list / requeue / drop)" : ""))
            if let grants = s.grants {
                let policies = s.datasets.map { "\($0) (\(grants.policies[$0] ?? "policy unconfirmed"))" }
                print("datasets        \(policies.isEmpty ? "none yet" : policies.joined(separator: ", ")), from \(grants.basis)")
                for note in grants.notes { print("                \(note)") }
            }
            if let upstreams = s.upstreams { printUpstreams(upstreams) }
            if let downlink = s.downlink {
                let lag = downlink.lag.map { ", \($0) behind the hub's feed" } ?? ""
                print("downlink        cursor \(downlink.cursor)\(lag)")
                if let snapshot = downlink.snapshot { print("snapshot        \(snapshot.summary)") }
                if let error = downlink.lastError { print("downlink error  \(error)") }
            }
            if let offset = s.hubClockOffsetMs { print("clock offset    \(offset) ms from the hub") }
            if let clock = s.clock { print("clock           \(clock)") }
            if let error = s.lastError { print("last error      \(error)") }
        }
    }
}

/// The node's upstreams, one line each: `* ` marks the one in use.
func printUpstreams(_ upstreams: UpstreamsStatus) {
    let of = upstreams.list.count
    let first = upstreams.inUse == 0 ? "its first choice" : "choice \(upstreams.inUse + 1) of \(of)"
    let retry = upstreams.firstChoiceTryInMs.map { ", first choice tried again in \(AgeFormat.short(ms: $0))" } ?? ""
    print("upstream        \(upstreams.url) (\(first)\(retry))")
    guard of > 1 || upstreams.list.first?.lastError != nil else { return }
    for (index, upstream) in upstreams.list.enumerated() {
        var line = "  \(upstream.inUse ? "*" : " ") \(index + 1). \(upstream.url)  id \(upstream.id ?? "not heard from")"
        line += upstream.feedPosition.map { ", feed position \($0)" } ?? ", no feed position (snapshot first)"
        if let error = upstream.lastError {
            line += ", last error \(upstream.lastErrorAgeMs.map { AgeFormat.short(ms: $0) + " ago" } ?? ""): \(error)"
        }
        print(line)
    }
}

struct QuarantineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine", abstract: "Changes the hub refused: list them, re-queue one after fixing the cause, or drop one.",
        subcommands: [List.self, Requeue.self, Drop.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List quarantined changes with the hub's reason.")
        @OptionGroup var endpoints: Endpoints

        func run() throws {
            try runReportingFailure {
                let answer = try endpoints.client().decode(QuarantineBody.self, "GET", try endpoints.edgeURL() + "/v1/quarantine")
                if answer.quarantined.isEmpty { print("nothing quarantined") }
                for e in answer.quarantined {
                    print("seq \(e.seq)  \(e.version.dataset)/\(e.version.key)  by \(e.version.actor)  refused: \(e.reason)")
                }
            }
        }
    }

    struct Drop: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Discard a quarantined change for good, with a reason recorded in the node's audited drop log.")
        @OptionGroup var endpoints: Endpoints
        @Argument(help: "The quarantined entry's seq.") var seq: UInt64
        @Option(help: "Why it is discarded (recorded with your name).") var reason: String
        @Option(help: "Who discards it (default: $USER).") var actor: String?

        func run() throws {
            try runReportingFailure {
                let url = try endpoints.edgeURL() + "/v1/quarantine/\(seq)/drop"
                let who = actor ?? ProcessInfo.processInfo.environment["USER"] ?? "operator"
                let body = try JSONEncoder().encode(DropRequest(reason: reason))
                let answer = try endpoints.client().call(
                    "POST", url, headers: [("X-Actor", who), ("Content-Type", "application/json")], body: Array(body))
                print(prettyJSON(answer.body))
            }
        }
    }

    struct Requeue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a quarantined change again, as a new outbox entry (e.g. after the topology grants its dataset).")
        @OptionGroup var endpoints: Endpoints
        @Argument(help: "The quarantined entry's seq.") var seq: UInt64

        func run() throws {
            try runReportingFailure {
                let url = try endpoints.edgeURL() + "/v1/quarantine/\(seq)/requeue"
                print(prettyJSON(try endpoints.client().call("POST", url).body))
            }
        }
    }
}
