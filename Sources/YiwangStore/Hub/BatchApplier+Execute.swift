import GRDB
import YiwangCore

/// Executes a plan's decisions in order, in the batch's transaction; the audit entries follow that order.
extension BatchApplier {
    /// `node`: whose changes these are (the batch's node, or the released origin); `links` the records' audit
    /// links, moved along as entries are appended.
    mutating func execute(
        _ decisions: [ChangeDecision], node: String, links: inout RecordPrefetch, _ db: Database
    ) throws {
        for decision in decisions {
            let change = decision.change
            if let digest = decision.sequenceDigest {
                try SequenceDigestTable.record(db, node: node, seq: change.seq, digest: digest, atMs: rules.nowMs)
            }
            if decision.releasesHeld { try HeldChangeTable.release(db, node: node, seq: change.seq) }
            switch decision.action {
            case .duplicate:
                continue
            case .merge(let outcome):
                try store(change, outcome, node: node, links: &links, db)
            case .refuse(let error):
                try refuse(change, error, node: node, db)
            case .hold(let held):
                try HeldChangeTable.hold(
                    db, change, encoded: held.encoded, waitNode: held.waitNode, waitCounter: held.waitCounter,
                    dataMs: held.dataMs, nowMs: rules.nowMs)
                try audit.append(
                    db, atMs: rules.nowMs, kind: "hold", node: node, dataset: change.version.dataset,
                    key: change.version.key,
                    detail: AuditDetail.appliedDetail(change.version, seq: change.seq, outcome: "held"))
            case .rewait(let other, let counter):
                try HeldChangeTable.rewait(db, node: node, seq: change.seq, waitNode: other, waitCounter: counter)
            }
        }
    }

    /// A merged change: its audit entries first (the last one's seq is the record's new history link, stored
    /// with it), then the record, or only the link for an obsolete version. The `apply` entry of a version that
    /// changed the state is the downlink feed's (`AuditTable+Journal`): one write per change, in the merge's
    /// transaction.
    private mutating func store(
        _ change: Change, _ outcome: MergeOutcome, node: String, links: inout RecordPrefetch, _ db: Database
    ) throws {
        let version = change.version
        let nowMs = rules.nowMs
        let changesState = outcome.newState != nil
        var detail = AuditDetail.appliedDetail(version, seq: change.seq, outcome: changesState ? "applied" : "obsolete")
        // A relayed change's way to the hub (only then: a direct change's entry stays as it was).
        if node == batch.node, let path = auditPath { detail.add("path", strings: path) }
        var link = try audit.append(
            db, atMs: nowMs, kind: "apply", node: version.origin, dataset: version.dataset, key: version.key,
            detail: detail,
            recordLink: links.auditLink(dataset: version.dataset, key: version.key),
            feed: changesState ? version : nil)
        if changesState { journalValueBytes += Int64(version.value?.utf8.count ?? 0) }
        if case .conflict(_, let records) = outcome {
            for record in records {
                link = try audit.append(
                    db, atMs: nowMs, kind: "conflict", node: node, dataset: version.dataset, key: version.key,
                    detail: AuditDetail.conflict(record), recordLink: link)
            }
            for record in records { try ConflictTable.append(db, record, atMs: nowMs) }
        }
        if let state = outcome.newState {
            let write = try recordWrite ?? RecordTable.linkedWrite(db)
            recordWrite = write
            try RecordTable.store(write, dataset: version.dataset, key: version.key, state: state, auditLink: link)
        } else {
            try db.cachedStatement(sql: "UPDATE records SET last_audit = ? WHERE dataset = ? AND key = ?")
                .execute(arguments: [link, version.dataset, version.key])
        }
        links.updateAuditLink(dataset: version.dataset, key: version.key, to: link)
    }

    /// A refused change: kept in `rejected_changes` and the audit (its error names what is wrong, never a value).
    private mutating func refuse(_ change: Change, _ error: YiwangError, node: String, _ db: Database) throws {
        try insertRejection(node: node, seq: change.seq, code: error.code.rawValue, message: error.message, db)
        try audit.append(
            db, atMs: rules.nowMs, kind: "reject_change", node: node,
            dataset: String(change.version.dataset.prefix(64)), key: String(change.version.key.prefix(512)),
            detail: AuditDetail.refusal(error, seq: change.seq))
    }

    /// A sequence the node will never send: its refusal, with the node's reason, in `rejected_changes` and the
    /// audit (kind `skip`: no record changes, so `audit verify` and blame replay nothing for it).
    mutating func record(_ skipped: SkippedSequence, node: String, _ db: Database) throws {
        try insertRejection(node: node, seq: skipped.seq, code: SkippedSequence.code, message: skipped.reason, db)
        try audit.append(
            db, atMs: rules.nowMs, kind: SkippedSequence.auditKind, node: node,
            detail: AuditDetail.skipped(seq: skipped.seq, reason: skipped.reason))
    }

    private func insertRejection(node: String, seq: UInt64, code: String, message: String, _ db: Database) throws {
        try db.cachedStatement(
            sql: "INSERT INTO rejected_changes(node, seq, code, message, at_ms) VALUES (?, ?, ?, ?, ?)"
        ).execute(arguments: [node, Int64(clamping: seq), code, message, rules.nowMs])
    }
}
