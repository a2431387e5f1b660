import YiwangCore

/// An audit entry on the wire: the stored columns, hashes in hex.
public struct AuditEntryBody: Codable, Sendable, Hashable {
    public var seq: Int64
    public var atMs: Int64
    public var kind: String
    public var node: String
    public var dataset: String
    public var key: String
    public var detail: String
    public var prevHash: String
    public var hash: String

    public init(_ entry: AuditEntry) {
        seq = entry.seq
        atMs = entry.atMs
        kind = entry.kind
        node = entry.node
        dataset = entry.dataset
        key = entry.key
        detail = entry.detail
        prevHash = entry.prevHash?.hex ?? ""
        hash = entry.hash.hex
    }

    /// The entry to verify (an unparsable hash stays unequal to every real one).
    public var entry: AuditEntry {
        AuditEntry(
            seq: seq, atMs: atMs, kind: kind, node: node, dataset: dataset, key: key, detail: detail,
            prevHash: AuditHash(hex: prevHash) ?? AuditHash(bytes: []), hash: AuditHash(hex: hash) ?? AuditHash(bytes: []))
    }
}

/// `GET /v1/audit?from=SEQ&limit=N`: entries in order.
public struct AuditPage: Codable, Sendable {
    public var entries: [AuditEntryBody]

    public init(entries: [AuditEntryBody]) { self.entries = entries }
}

/// `GET /v1/audit/head`.
public struct AuditHeadBody: Codable, Sendable, Hashable {
    public var seq: Int64
    public var hash: String
    /// `SEQ:HASH`, as `audit verify --expect-head` takes it.
    public var head: String

    public init(_ head: AuditHead) {
        seq = head.seq
        hash = head.hash.hex
        self.head = head.description
    }
}

/// `GET /v1/audit/verify`: the hub's own verdict on its chain and records.
public struct AuditVerifyBody: Codable, Sendable {
    public var intact: Bool
    public var checked: Int
    public var head: AuditHeadBody
    public var problem: AuditProblem?
    /// Entries up to here are archived and pruned: checked from their head, not from seq 1 (absent: none).
    public var archivedThrough: Int64?
    /// Records not replayed because part of their history is archived (absent: none).
    public var recordsNotReplayed: Int?

    public init(_ result: AuditVerification) {
        intact = result.isIntact
        checked = result.checked
        head = AuditHeadBody(result.head)
        problem = result.problem
        archivedThrough = result.archivedThrough > 0 ? result.archivedThrough : nil
        recordsNotReplayed = result.recordsNotReplayed > 0 ? result.recordsNotReplayed : nil
    }
}
