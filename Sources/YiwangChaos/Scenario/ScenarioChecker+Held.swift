extension ScenarioChecker {
    /// false realtime: a sample shows a node `realtime` while the hub's `highWater` for it is below the seq of
    /// a write whose 200 arrived more than the detection bound earlier (the hub lacks it). Counted apart
    /// while the node's clock was off (the clock-skew nemesis), where a node once looked on time holding none.
    func checkRealtimeHeld(_ observation: ScenarioObservation, _ result: inout CheckResult) {
        let byNode = Dictionary(grouping: observation.acked, by: \.node)
        for (node, writes) in byNode.sorted(by: { $0.key < $1.key }) {
            let sorted = writes.sorted { $0.ackedAtMs < $1.ackedAtMs }
            // The highest seq acknowledged by each time: prefix maxima over the writes in time order.
            var highest: [(atMs: Int, seq: UInt64)] = []
            for write in sorted { highest.append((write.ackedAtMs, max(highest.last?.seq ?? 0, write.seq))) }
            for sample in observation.samples where sample.states[node] == "realtime" {
                guard let held = sample.highWater[node] else { continue }
                let due = sample.atMs - detectionBoundMs
                guard let owed = Self.lastAtOrBefore(due, in: highest), owed > held else { continue }
                result.falseRealtime += 1
                let skewed = observation.skews.contains {
                    $0.node == node && sample.atMs >= $0.startMs && sample.atMs <= $0.endMs + detectionBoundMs
                }
                if skewed { result.falseRealtimeDuringSkew += 1 }
                result.violation(
                    "false realtime: \(node) at \(sample.atMs) ms, hub holds through seq \(held), acknowledged "
                        + "through \(owed)" + (skewed ? " (clock skewed)" : ""))
            }
        }
    }

    /// The seq of the last entry at or before `atMs` (binary search over times in order).
    static func lastAtOrBefore(_ atMs: Int, in entries: [(atMs: Int, seq: UInt64)]) -> UInt64? {
        var low = 0
        var high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].atMs <= atMs { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : entries[low - 1].seq
    }
}
