import Foundation
import Logging
import YiwangTesting

/// Sizes of every scenario: the sizes, or tiny ones (`--quick`) that prove the suite still works.
struct BenchSizes: Sendable {
    var hubApplyBatches: Int
    var endToEndRows: Int
    var nodes: Int
    var changesPerNode: Int
    var catchUpRows: Int
    var upsertRows: Int
    var bulkRows: Int
    var puts: Int
    var wireChanges: Int
    var reportNodes: Int
    var reportIngestNodes: Int
    var reportIngestPerNode: Int
    /// `journal-disk`: changes, spread over this many records.
    var journalChanges: Int
    var journalRecords: Int
    /// `snapshot-bootstrap`: records a new county pulls.
    var snapshotRecords: Int
    /// Rows of the raw SQLite limit measured beside scenarios whose own size is too big to repeat raw.
    var rawSample: Int

    static let full = BenchSizes(
        hubApplyBatches: 100, endToEndRows: 1_000_000, nodes: 130, changesPerNode: 10_000, catchUpRows: 1_000_000,
        upsertRows: 200_000, bulkRows: 200_000, puts: 2_000, wireChanges: 100_000, reportNodes: 1_000,
        reportIngestNodes: 130, reportIngestPerNode: 5_000, journalChanges: 10_000_000, journalRecords: 100_000,
        snapshotRecords: 1_000_000, rawSample: 200_000)

    static let quick = BenchSizes(
        hubApplyBatches: 3, endToEndRows: 3_000, nodes: 6, changesPerNode: 1_000, catchUpRows: 3_000,
        upsertRows: 2_000, bulkRows: 3_000, puts: 64, wireChanges: 2_000, reportNodes: 40, reportIngestNodes: 4,
        reportIngestPerNode: 1_000, journalChanges: 20_000, journalRecords: 1_000, snapshotRecords: 2_000,
        rawSample: 3_000)
}

/// What a scenario gets: sizes, a fresh directory, and a way to build its results.
struct BenchContext: Sendable {
    let sizes: BenchSizes
    let directory: TemporaryDirectory
    let daemons: BenchDaemons
    let logger: Logger
    /// `/proc/loadavg` when the scenario started.
    let loadAverage: String

    init(sizes: BenchSizes, directory: TemporaryDirectory) {
        self.sizes = sizes
        self.directory = directory
        daemons = BenchDaemons(directory: directory)
        var logger = Logger(label: "yiwang-bench")
        logger.logLevel = .critical
        self.logger = logger
        loadAverage = ProcStatus.loadAverage()
    }

    func result(
        _ scenario: String, _ metric: String, _ value: Double, _ unit: String, limit: Double? = nil,
        limitLabel: String? = nil, target: String, met: Bool?, notes: String = ""
    ) -> BenchResult {
        BenchResult(
            scenario: scenario, metric: metric, value: value, unit: unit, limit: limit, limitLabel: limitLabel,
            target: target, met: met, notes: notes, loadAverage: loadAverage)
    }

    func say(_ line: String) {
        FileHandle.standardError.write(Data("[\(Self.clock())] \(line)\n".utf8))
    }

    static func clock() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        return formatter.string(from: Date())
    }
}
