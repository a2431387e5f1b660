import YiwangCore

/// The verdict over one run: counts, delays, and the first few violations in words (never record values).
public struct CheckResult: Sendable, Hashable, Codable {
    public var acked = 0
    public var visible = 0
    public var superseded = 0
    /// Covered by the hub's version and found as a loser in its conflict log.
    public var conflictLosers = 0
    public var lost = 0
    public var duplicated = 0
    /// Changes a node numbered that the hub never applied after quiescence.
    public var unshipped = 0
    /// `yes`, `no`, or `hub-only` (no downlink: node digests are not compared with the hub's).
    public var converged = "yes"
    public var realtimeWhileCut = 0
    /// Samples showing a node `realtime` while the hub lacked one of its writes acknowledged over the bound
    /// before (its `highWater` below the write's seq); and how many of those fell while its clock was off.
    public var falseRealtime = 0
    public var falseRealtimeDuringSkew = 0
    public var notRecovered = 0
    public var detectDelaysMs: [Int] = []
    public var recoveryDelaysMs: [Int] = []
    public var integrityFailures = 0
    /// Replica/dataset pairs that differ from the hub in datasets whose convergence is not enforced.
    public var divergedNotEnforced: [String] = []
    public var violations: [String] = []

    public var ok: Bool {
        lost == 0 && duplicated == 0 && unshipped == 0 && converged != "no" && realtimeWhileCut == 0
            && notRecovered == 0 && integrityFailures == 0 && falseRealtime == 0
    }

    mutating func violation(_ text: String) { if violations.count < 20 { violations.append(text) } }
}

/// Checks a recorded history against the final states. Pure: no I/O, unit-tested with planted bugs.
public struct ScenarioChecker: Sendable {
    /// A node cut off for longer than this must not be reported `realtime` (realtime_within plus slack).
    public var detectionBoundMs: Int

    public init(detectionBoundMs: Int) { self.detectionBoundMs = detectionBoundMs }

    public func check(_ observation: ScenarioObservation) -> CheckResult {
        var result = CheckResult()
        checkWrites(observation, &result)
        checkDuplicates(observation, &result)
        checkOutboxes(observation, &result)
        checkConvergence(observation, &result)
        checkConnectivity(observation, &result)
        checkRealtimeHeld(observation, &result)
        for (file, answer) in observation.integrity.sorted(by: { $0.key < $1.key }) where answer != "ok" {
            result.integrityFailures += 1
            result.violation("integrity_check of \(file): \(answer.prefix(200))")
        }
        return result
    }

    /// lost: an acknowledged write neither visible at the hub nor covered by the hub's vector for the record.
    func checkWrites(_ observation: ScenarioObservation, _ result: inout CheckResult) {
        result.acked = observation.acked.count
        for write in observation.acked {
            let name = ScenarioObservation.recordKey(write.dataset, write.key)
            guard let record = observation.hubRecords[ByteKey(name)],
                let stored = try? VersionVector(parsing: record.vector),
                let written = try? VersionVector(parsing: write.vector)
            else {
                result.lost += 1
                result.violation("lost: \(write.node) seq \(write.seq) (\(name)) is missing at the hub")
                continue
            }
            switch written.compare(stored) {
            case .equal where record.value == write.value && record.deleted == (write.value == nil):
                result.visible += 1
            case .before:
                let entry = ScenarioObservation.outboxEntry(write.dataset, write.key, write.vector)
                if observation.conflictLosers.contains(ByteKey(entry)) {
                    result.conflictLosers += 1
                } else {
                    result.superseded += 1
                }
            default:
                result.lost += 1
                result.violation("lost: \(write.node) seq \(write.seq) (\(name)) not covered by the hub's version")
            }
        }
    }

    /// duplicated: the hub applied more changes than the node numbered, or two acknowledged writes of one
    /// node share a sequence number.
    func checkDuplicates(_ observation: ScenarioObservation, _ result: inout CheckResult) {
        for (node, counters) in observation.nodes.sorted(by: { $0.key < $1.key }) {
            if counters.changesApplied > counters.highestSeq {
                result.duplicated += Int(counters.changesApplied - counters.highestSeq)
                result.violation("duplicated: hub applied \(counters.changesApplied) changes of \(node), which numbered \(counters.highestSeq)")
            } else if counters.changesApplied < counters.highestSeq || counters.backlog > 0 {
                result.unshipped += Int(counters.highestSeq - counters.changesApplied) + counters.backlog
                result.violation("unshipped: \(node) numbered \(counters.highestSeq), hub applied \(counters.changesApplied), backlog \(counters.backlog)")
            }
        }
        var seen: [String: AckedWrite] = [:]
        for write in observation.acked {
            let id = "\(write.node)#\(write.seq)"
            if let earlier = seen[id], earlier != write {
                result.duplicated += 1
                result.violation("duplicated: \(write.node) acknowledged two writes with seq \(write.seq)")
            }
            seen[id] = write
        }
    }

    /// With the outboxes read offline: an acknowledged write must be in its node's outbox under its seq (it
    /// was committed before the answer), and no two outbox entries of a node may carry the same write.
    func checkOutboxes(_ observation: ScenarioObservation, _ result: inout CheckResult) {
        guard let outboxes = observation.outboxes else { return }
        for write in observation.acked {
            let entry = ScenarioObservation.outboxEntry(write.dataset, write.key, write.vector)
            if !ByteKey.equal(outboxes[write.node]?[write.seq] ?? "", entry) {
                result.lost += 1
                result.violation("lost: \(write.node) acknowledged seq \(write.seq) but its outbox has no such entry")
            }
        }
        for (node, entries) in outboxes.sorted(by: { $0.key < $1.key }) {
            let copies = Dictionary(grouping: entries.values, by: { ByteKey($0) }).values.filter { $0.count > 1 }
            for group in copies {
                result.duplicated += group.count - 1
                result.violation("duplicated: \(node)'s outbox holds one write under \(group.count) seqs")
            }
        }
    }

    func checkConvergence(_ observation: ScenarioObservation, _ result: inout CheckResult) {
        guard let hub = observation.digests["hub"] else {
            result.converged = "no"
            result.violation("no hub digests")
            return
        }
        guard observation.downlink else {
            result.converged = "hub-only"
            return
        }
        for (replica, digests) in observation.digests.sorted(by: { $0.key < $1.key }) where replica != "hub" {
            for (dataset, digest) in digests.sorted(by: { $0.key < $1.key }) where hub[dataset] != digest {
                if let enforced = observation.enforcedDatasets, !enforced.contains(dataset) {
                    result.divergedNotEnforced.append("\(replica)/\(dataset)")
                    continue
                }
                result.converged = "no"
                result.violation("diverged: \(replica) \(dataset) digest differs from the hub's")
            }
        }
    }

    /// No `realtime` sample while a node was cut off beyond the bound; delays to detect and to recover.
    func checkConnectivity(_ observation: ScenarioObservation, _ result: inout CheckResult) {
        let samples = observation.samples.sorted { $0.atMs < $1.atMs }
        for cut in observation.cuts.sorted(by: { ($0.startMs, $0.node) < ($1.startMs, $1.node) }) {
            let during = samples.filter { $0.atMs >= cut.startMs && $0.atMs <= cut.endMs && $0.states[cut.node] != nil }
            if let bad = during.first(where: { $0.atMs >= cut.startMs + detectionBoundMs && $0.states[cut.node] == "realtime" }) {
                result.realtimeWhileCut += 1
                result.violation("realtime while cut: \(cut.node) at \(bad.atMs) ms, cut \(cut.label) since \(cut.startMs) ms")
            }
            guard cut.endMs - cut.startMs >= detectionBoundMs,
                let detected = during.first(where: { $0.states[cut.node] != "realtime" })
            else { continue }
            result.detectDelaysMs.append(detected.atMs - cut.startMs)
            if let back = samples.first(where: { $0.atMs >= cut.endMs && $0.states[cut.node] == "realtime" }) {
                result.recoveryDelaysMs.append(back.atMs - cut.endMs)
            }
        }
        let last = samples.last { $0.atMs >= observation.healedAtMs }
        for node in observation.nodes.keys.sorted() where last?.states[node] != "realtime" {
            result.notRecovered += 1
            result.violation("not recovered: \(node) is \(last?.states[node] ?? "unknown") after the heal")
        }
    }
}

extension Array where Element == Int {
    /// The p-th percentile (0...1) by nearest rank; 0 when empty.
    public func percentile(_ p: Double) -> Int {
        guard !isEmpty else { return 0 }
        let sorted = self.sorted()
        return sorted[Swift.min(sorted.count - 1, Swift.max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
    }
}
