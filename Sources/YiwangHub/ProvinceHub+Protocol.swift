import Synchronization
import YiwangAPI
import YiwangCore
import YiwangStore

/// The protocol version each node last synced in, as this process stored it, so that the hub writes a node's
/// version only when it changes (its first batch after a start, and its upgrade), not on every batch.
final class KnownProtocols: Sendable {
    private let known = Mutex<[String: ProtocolVersion]>([:])

    func isKnown(_ version: ProtocolVersion, of node: String) -> Bool { known.withLock { $0[node] == version } }
    func learn(_ version: ProtocolVersion, of node: String) { known.withLock { $0[node] = version } }
}

extension ProvinceHub {
    /// Records that `node` (a node of the topology whose batch the hub applied) syncs in the version the
    /// batch's magic names: what the hub can prove, unlike the request's header. A failure to record it is
    /// logged and leaves the acknowledgement standing (the batch is applied; the next one records it).
    func noteProtocol(of body: [UInt8], node: String) async {
        guard let version = ProtocolVersion.of(magic: body), !knownProtocols.isKnown(version, of: node) else { return }
        do {
            try await store.recordProtocol(node: node, version: version, nowMs: clock.nowMs())
            knownProtocols.learn(version, of: node)
            logger.info("node protocol", metadata: ["yiwang.node": "\(node)", "yiwang.protocol": "\(version)"])
        } catch {
            logger.warning(
                "node protocol not recorded", metadata: ["yiwang.node": "\(node)", "yiwang.protocol": "\(version)"])
        }
    }

    /// The report with each node's protocol version filled in.
    func withProtocols(_ report: ConnectivityReport) async throws -> ConnectivityReport {
        let protocols = try await store.nodeProtocols()
        var report = report
        for index in report.nodes.indices {
            report.nodes[index].protocolVersion = protocols[report.nodes[index].id].flatMap(Self.shown)
        }
        return report
    }

    /// One node's status with its protocol version filled in.
    func withProtocols(_ status: NodeStatus) async throws -> NodeStatus {
        var status = status
        status.protocolVersion = try await store.nodeProtocols()[status.id].flatMap(Self.shown)
        return status
    }

    /// A stored version as the report shows it; nil for a value no version has (a row edited by hand).
    static func shown(_ record: NodeProtocolRecord) -> Int? { record.version == 0 ? nil : Int(record.version) }
}
