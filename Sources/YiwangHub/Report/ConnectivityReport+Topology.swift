import YiwangAPI
import YiwangCore
import YiwangStore

extension ConnectivityReport {
    /// Classifies every node of the topology at `nowMs` from what the store holds.
    public init(
        topology: Topology, stored: [String: HubNodeRecord], thresholds: ConnectivityThresholds, nowMs: Int64
    ) {
        let statuses = topology.nodes.map { node in
            NodeStatus(
                node: node, stored: stored[node.id], thresholds: thresholds, nowMs: nowMs, hubID: topology.hub.id)
        }
        self.init(generatedAtMs: nowMs, thresholds: thresholds, levels: topology.levels, nodes: statuses)
    }
}

extension NodeStatus {
    /// The node's status at `nowMs` from what the store holds of it (nil: never seen); `hubID` ends its path.
    public init(
        node: Topology.Node, stored: HubNodeRecord?, thresholds: ConnectivityThresholds, nowMs: Int64, hubID: String
    ) {
        self.init(id: node.id, name: node.name, level: node.level, parent: node.parent)
        let record = stored ?? HubNodeRecord(id: node.id)
        // A change held back here is one the hub does not hold yet, as much as one the node holds quarantined:
        // both keep the node out of `realtime`, and the oldest of them bounds its data age.
        let lacking = record.quarantined.addingReportingOverflow(record.heldChanges)
        let dataAsOf = [record.dataAsOfMs, record.oldestHeldMs].compactMap { $0 }.min()
        let observation = NodeObservation(
            lastContactMs: record.lastContactMs, dataAsOfMs: dataAsOf,
            quarantined: lacking.overflow ? UInt64.max : lacking.partialValue)
        state = ConnectivityClassifier.classify(observation, nowMs: nowMs, thresholds: thresholds)
        lastContactMs = record.lastContactMs
        dataAgeMs = ConnectivityClassifier.dataAgeMs(observation, nowMs: nowMs)
        backlog = record.backlog
        quarantined = record.quarantined
        changesApplied = record.changesApplied
        conflicts = record.conflicts
        rejectedBatches = record.rejectedBatches
        rejectedChanges = record.rejectedChanges
        clockOffsetMs = record.clockOffsetMs
        highWater = record.highWater
        held = record.heldChanges
        lastError = record.lastError
        lastErrorAtMs = record.lastErrorAtMs
        if record.lastContactMs != nil { path = (record.relayPath ?? [node.id]) + [hubID] }
    }
}
