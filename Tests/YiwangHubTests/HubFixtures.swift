import Foundation
import Logging
import Synchronization
import YiwangCore
import YiwangHub
import YiwangStore
import YiwangTesting

enum Fixtures {
    static let city = "430100"
    static let county = "430121"
    static let otherCity = "430200"

    static let topologyYAML = """
        hub: { id: "430000", name: "Province hub" }
        nodes:
          - { id: "430100", name: "Xingcheng City", level: city, parent: "430000", datasets: [population, social_security] }
          - { id: "430200", name: "Hecheng City", level: city, parent: "430000", datasets: [population, social_security] }
          - { id: "430121", name: "Xingcheng County", level: county, parent: "430100", datasets: [population] }
        datasets:
          population: { policy: lww }
          social_security: { policy: siblings }
        """

    static func topology() throws -> Topology { try Topology(yaml: topologyYAML, file: "test-topology.yaml") }

    static let logger: Logger = {
        var logger = Logger(label: "yiwang-hub-test")
        logger.logLevel = .critical
        return logger
    }()

    /// A hub on a fresh store in its own temporary directory, with a manual clock.
    static func hub(
        in directory: TemporaryDirectory, clock: ManualClock = ManualClock(), maxBodyBytes: Int = 1 << 20
    ) throws -> ProvinceHub {
        var configuration = HubConfiguration()
        configuration.dataDirectory = directory.path
        configuration.maxBodyBytes = maxBodyBytes
        let store = try HubStore(directory: directory.path, logger: logger)
        return ProvinceHub(
            topology: try topology(), store: store, configuration: configuration, clock: clock, logger: logger)
    }

    static func version(
        node: String, counter: UInt64, dataset: String = "population", key: String = "person-1",
        value: String = #"{"name":"Li"}"#, hlcMs: Int64, extra: [String: UInt64] = [:]
    ) -> Version {
        var pairs = extra
        pairs[node] = counter
        return Version(
            dataset: dataset, key: key, vector: VersionVector(pairs), hlc: HLCTimestamp(wallMs: hlcMs), origin: node,
            actor: "clerk-7", operation: .put, value: value)
    }

    /// A batch of `versions` numbered from `firstSeq`, sent at `clockMs` with nothing pending after it.
    static func batch(
        node: String, firstSeq: UInt64, _ versions: [Version], clockMs: Int64, oldestAfterBatchMs: Int64? = nil,
        backlogAfter: UInt64 = 0
    ) -> SyncBatch {
        let changes = versions.enumerated().map { Change(seq: firstSeq + UInt64($0.offset), version: $0.element) }
        let oldest = versions.map(\.hlc.wallMs).min() ?? oldestAfterBatchMs
        let report = NodeReport(
            backlog: UInt64(versions.count) + backlogAfter, oldestPendingMs: oldest,
            oldestAfterBatchMs: oldestAfterBatchMs, clockMs: clockMs, hlc: HLCTimestamp(wallMs: clockMs))
        return SyncBatch(node: node, firstSeq: firstSeq, report: report, changes: changes)
    }

    /// Versions 1...count of distinct keys from `node`.
    static func versions(node: String, count: Int, from first: UInt64 = 1, hlcMs: Int64) -> [Version] {
        (0..<count).map { i in
            version(node: node, counter: first + UInt64(i), key: "key-\(first + UInt64(i))", hlcMs: hlcMs)
        }
    }
}
