/// The details of the chained entries, each built in one place (the hub's `audit`, the node's `outbox` and
/// `outbox_ledger`). Their bytes are hashed into the chains already written: the keys, their order and the
/// formatting of every builder here are part of those chains and must never change, or old logs stop verifying.
/// Beside each builder, the shape its readers decode (`Decodable` only; the stores decode it).
extension AuditDetail {
    /// A version as every chain records it: `actor`, `hlc`, `vector`, `op`, and `value_sha256` for a put (the
    /// value's hash, never the value).
    public mutating func add(version: Version) {
        add("actor", version.actor)
        add("hlc", version.hlc.packed)
        add("vector", vector: version.vector)
        add("op", version.operation.description)
        if let value = version.value { add("value_sha256", hash: AuditHash.of(value)) }
    }

    /// The hub's entry for a change it took (`apply`, or one held back): the sender's seq, the origin, the
    /// version, and what became of it (`outcome`).
    public static func applied(_ version: Version, seq: UInt64, outcome: String) -> String {
        appliedDetail(version, seq: seq, outcome: outcome).json
    }

    /// `applied`'s detail as the builder, whose bytes the hub's batch applier hashes and stores as they are.
    public static func appliedDetail(_ version: Version, seq: UInt64, outcome: String) -> AuditDetail {
        var detail = AuditDetail()
        detail.add("seq", Int64(clamping: seq))
        detail.add("origin", version.origin)
        detail.add(version: version)
        detail.add("outcome", outcome)
        return detail
    }

    /// A node's `outbox` entry: the version (its origin, seq, dataset and key are columns of the entry).
    public static func outboxed(_ version: Version) -> String {
        var detail = AuditDetail()
        detail.add(version: version)
        return detail.json
    }

    /// The hub's `conflict` entry: how it was resolved, and both sides' vectors and origins.
    public static func conflict(_ conflict: ConflictRecord) -> String {
        var detail = AuditDetail()
        detail.add("resolution", conflict.resolution.rawValue)
        detail.add("winner_vector", conflict.winner.vector.description)
        detail.add("winner_origin", conflict.winner.origin)
        detail.add("loser_vector", conflict.loser.vector.description)
        detail.add("loser_origin", conflict.loser.origin)
        return detail.json
    }

    /// The hub's `reject_change` or `reject_batch` entry: the error's code and message, and the change's seq.
    public static func refusal(_ error: YiwangError, seq: UInt64? = nil) -> String {
        var detail = AuditDetail()
        if let seq { detail.add("seq", Int64(clamping: seq)) }
        detail.add("code", error.code.rawValue)
        detail.add("message", error.message)
        return detail.json
    }

    /// The hub's `skip` entry: a sequence the node will never send (`SkippedSequence`) and the node's reason.
    public static func skipped(seq: UInt64, reason: String) -> String {
        var detail = AuditDetail()
        detail.add("seq", Int64(clamping: seq))
        detail.add("reason", reason)
        return detail.json
    }

    /// The hub's `purge` entry: a tombstone removed from `records` once every node that may hold the record had
    /// it (`TombstonePurge`): the purged visible vectors (space-separated), the tombstone's feed position, and
    /// the record's previous `purge` entry if it was purged before (blame follows it).
    public static func purged(vectors: [String], feedPosition: Int64, previousPurge: Int64?) -> String {
        var detail = AuditDetail()
        detail.add("vectors", vectors.joined(separator: " "))
        detail.add("position", feedPosition)
        if let previousPurge { detail.add("previous_purge", previousPurge) }
        return detail.json
    }

    /// A node's ledger `ack` entry: the hub holds every outbox entry through `through`.
    public static func ledgerAck(through: Int64) -> String {
        var detail = AuditDetail()
        detail.add("through", through)
        return detail.json
    }

    /// A node's ledger `prune`, `migrated_prune` or `skip` entry: the outbox range `from...through` and the
    /// outbox chain's hashes on both sides of it.
    public static func ledgerRange(from: Int64, through: Int64, prev: AuditHash, hash: AuditHash) -> String {
        var detail = AuditDetail()
        detail.add("from", from)
        detail.add("through", through)
        detail.add("prev", prev.hex)
        detail.add("hash", hash.hex)
        return detail.json
    }
}

/// An `apply` entry's detail (`AuditDetail.applied`) read back: blame and the records check.
public struct AppliedDetail: Decodable, Sendable, Hashable {
    public var origin: String
    public var actor: String
    /// `HLCTimestamp.packed`.
    public var hlc: Int64
    public var vector: String
    public var op: String
    public var valueSHA256: String?

    private enum CodingKeys: String, CodingKey {
        case origin, actor, hlc, vector, op
        case valueSHA256 = "value_sha256"
    }
}

/// A `conflict` entry's detail (`AuditDetail.conflict`) read back, as far as its readers need it.
public struct ConflictDetail: Decodable, Sendable, Hashable {
    /// `ConflictRecord.Resolution`'s raw value.
    public var resolution: String
    public var loserVector: String?

    private enum CodingKeys: String, CodingKey {
        case resolution
        case loserVector = "loser_vector"
    }
}

/// A ledger entry's detail (`AuditDetail.ledgerAck`, `AuditDetail.ledgerRange`) read back.
public struct LedgerDetail: Decodable, Sendable, Hashable {
    public var from: Int64?
    public var through: Int64
    public var prev: String?
    public var hash: String?
}

/// A `purge` entry's detail (`AuditDetail.purged`) read back: blame.
public struct PurgeDetail: Decodable, Sendable, Hashable {
    /// The purged visible versions' vectors, space-separated.
    public var vectors: String
    public var position: Int64
    public var previousPurge: Int64?

    private enum CodingKeys: String, CodingKey {
        case vectors, position
        case previousPurge = "previous_purge"
    }
}
