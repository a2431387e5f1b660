import GRDB
import YiwangCore

extension AuditTable {
    /// Checks every record's stored state against the audit entries that put it there: the record's `apply`
    /// entries (vector, HLC, origin, actor, op, value hash), replayed in order through `Merge.merge`, must give
    /// exactly the stored state (joined vector and every visible version, siblings included). Obsolete entries
    /// change nothing in the replay as they changed nothing when applied, and a conflict's visible winner is one
    /// of the replayed versions, so an edited `records.value`, vector, hlc, origin or actor is caught, as is a
    /// record no entry accounts for. Each step replays under the policy its `conflict` entries name (a step
    /// without a conflict gives the same state under either), so a policy changed over time replays too. The
    /// problem names the dataset and key, never the value.
    ///
    /// A record whose older entries were pruned is replayed from its archived entries (`archived`, from
    /// `audit verify --archive`) and its live ones; without the archive it is counted in `recordsNotReplayed`,
    /// never reported as checked.
    static func verifyRecords(_ db: Database, after chain: AuditVerification, archived: ArchivedRecordEntries? = nil)
        throws -> AuditVerification
    {
        var result = chain
        // A copy from before the record links (`migrateToRecordLinks`) cannot find a record's entries.
        guard try db.columns(in: "records").contains(where: { $0.name == "last_audit" }) else { return chain }
        let rows = try Row.fetchCursor(
            db,
            sql: "SELECT \(RecordTable.stateColumns), key, dataset, last_audit FROM records ORDER BY dataset, key")
        while let row = try rows.next() {
            let dataset: String = row["dataset"]
            let key: String = row["key"]
            let link = row["last_audit"] as Int64?
            func broken(_ reason: String) -> AuditVerification {
                result.problem = AuditProblem(
                    position: chain.checked, seq: link ?? 0,
                    reason: "record \(JSONText.quoted(dataset))/\(JSONText.quoted(key)): \(reason)")
                return result
            }
            guard let stored = try? RecordTable.state(from: row, dataset: dataset, key: key) else {
                return broken("its stored version cannot be read: the row was edited")
            }
            let history = try recordHistory(db, dataset: dataset, key: key)
            var entries = history.entries
            if history.archivedLink != nil {
                guard let archived else {
                    result.recordsNotReplayed += 1
                    continue
                }
                let firstLive = entries.first?.seq ?? Int64.max
                entries = archived.entries(dataset: dataset, key: key).filter { $0.seq < firstLive } + entries
            }
            let versions = appliedVersions(details(of: entries), dataset: dataset, key: key)
            guard !versions.isEmpty else { return broken("no audit entry accounts for it: the row was inserted") }
            var replayed: RecordState?
            for (version, policy) in versions {
                if let next = Merge.merge(version, into: replayed, policy: policy).newState { replayed = next }
            }
            guard replayed == Self.hashingValues(stored) else {
                return broken(
                    "its visible version does not match its audit entries: "
                        + "its value, vector, clock, origin or actor was edited")
            }
        }
        return result
    }

    /// The records whose history reaches into the pruned part (`RecordEntries.archivedLink`): the ones whose
    /// archived entries the records check needs.
    static func recordsWithArchivedHistory(_ db: Database) throws -> Set<RecordKey> {
        guard try JournalMarks.get(db, .prunedSeq) > 0 else { return [] }
        var keys = Set<RecordKey>()
        let rows = try Row.fetchCursor(db, sql: "SELECT dataset, key FROM records")
        while let row = try rows.next() {
            let dataset: String = row["dataset"]
            let key: String = row["key"]
            if try recordHistory(db, dataset: dataset, key: key).archivedLink != nil {
                keys.insert(RecordKey(dataset: dataset, key: key))
            }
        }
        return keys
    }

    /// The record's versions as its `apply` entries recorded them, oldest first, each value replaced by the
    /// hex SHA-256 the entry holds (the merge never looks at values), with the policy its merge used: `siblings`
    /// when a `conflict` entry after it says so, else `lww`.
    private static func appliedVersions(_ items: [RecordAuditEntry], dataset: String, key: String)
        -> [(Version, MergePolicy)]
    {
        var versions: [(Version, MergePolicy)] = []
        for item in items {
            switch item {
            case .conflict(_, let conflict):
                if !versions.isEmpty, conflict.resolution == ConflictRecord.Resolution.keptAsSiblings.rawValue {
                    versions[versions.count - 1].1 = .siblings
                }
            case .applied(_, let detail):
                guard let vector = try? VersionVector(parsing: detail.vector), let op = Operation(name: detail.op)
                else { continue }
                let version = Version(
                    dataset: dataset, key: key, vector: vector, hlc: HLCTimestamp(packed: detail.hlc),
                    origin: detail.origin, actor: detail.actor, operation: op,
                    value: op == .put ? (detail.valueSHA256 ?? "") : nil)
                versions.append((version, .lww))
            }
        }
        return versions
    }

    /// The stored state with each value replaced by its hex SHA-256, as `appliedVersions` has them.
    private static func hashingValues(_ state: RecordState) -> RecordState {
        var state = state
        state.visible = state.visible.map { version in
            var version = version
            version.value = version.value.map { AuditHash.of($0).hex }
            return version
        }
        return state
    }
}
