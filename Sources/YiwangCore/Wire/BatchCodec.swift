import CZlib

/// The batch wire format, versions 1 and 2 (`ProtocolVersion`):
///
///     "YWB1" or "YWB2" | flags u8 (bit 0: deflated) | raw length u32 | CRC-32 of raw payload u32 | payload
///
/// The raw payload is the node id, its report, the first sequence, and the changes in order, each as
/// length-prefixed strings and LEB128 varints (the sequence of change i is `firstSeq + i`), then optional
/// tagged sections, each at most once and in this order:
///
/// - tag 1, the report's tail (`NodeReportTail`: quarantined changes, clock skew) — versions 1 and 2;
/// - tag 2, a skip mark (`SkipMark`: the reason as a string; the batch has no changes) — version 2 and later;
/// - tag 4, a relay section (`RelaySection`, `BatchCodec+Relay.swift`) — version 3 and later.
///
/// Decoding checks every length against the limits and the bytes left, so hostile bytes get a typed error.
/// A version 1 batch is read exactly as before, so nodes not yet upgraded keep syncing with an upgraded hub.
public enum BatchCodec {
    static let headerBytes = WireFrame.headerBytes
    static let skipTag: UInt8 = 2

    public struct Limits: Sendable, Hashable {
        /// Largest raw (inflated) payload accepted.
        public var maxRawBytes: Int
        public var maxChanges: Int
        public var maxValueBytes: Int

        public init(maxRawBytes: Int = 64 << 20, maxChanges: Int = 100_000, maxValueBytes: Int = 1 << 20) {
            self.maxRawBytes = maxRawBytes
            self.maxChanges = maxChanges
            self.maxValueBytes = maxValueBytes
        }

        public static let `default` = Limits()
    }

    /// The batch's bytes in `version` (a batch with a skip mark is always written in version 2 or later).
    public static func encode(
        _ batch: SyncBatch, compress: Bool = true, level: Int32 = 1, version: ProtocolVersion = .current
    ) -> [UInt8] {
        var version = batch.skip == nil ? version : max(version, .v2)
        if batch.relay != nil { version = max(version, .v3) }
        var w = ByteWriter(capacity: 64 + batch.changes.count * 96)
        w.string(batch.node)
        w.varint(batch.report.backlog)
        w.optionalVarint(batch.report.oldestPendingMs)
        w.optionalVarint(batch.report.oldestAfterBatchMs)
        w.varint(batch.report.clockMs)
        w.varint(batch.report.hlc.packed)
        w.varint(batch.firstSeq)
        w.varint(UInt64(batch.changes.count))
        for change in batch.changes {
            let v = change.version
            w.string(v.dataset)
            w.string(v.key)
            w.varint(UInt64(v.vector.entries.count))
            for entry in v.vector.entries {
                w.string(entry.node)
                w.varint(entry.counter)
            }
            w.varint(v.hlc.packed)
            w.string(v.origin)
            w.string(v.actor)
            w.u8(v.operation.rawValue)
            if v.operation == .put { w.string(v.value ?? "{}") }
        }
        NodeReportTail.encode(batch.report, into: &w)
        if let skip = batch.skip {
            w.u8(skipTag)
            w.string(skip.reason)
        }
        if let relay = batch.relay { RelaySection.encode(relay, into: &w) }
        let raw = w.bytes
        return WireFrame.encode(magic: version.magic, raw: raw, deflated: compress ? Zlib.deflate(raw, level: level) : nil)
    }

    public static func decode(_ bytes: [UInt8], limits: Limits = .default) throws(YiwangError) -> SyncBatch {
        guard bytes.count >= headerBytes else { throw .malformedBatch("shorter than the \(headerBytes)-byte header") }
        guard let version = ProtocolVersion.of(magic: bytes.prefix(4)) else {
            if bytes.starts(with: Array("YWB".utf8)) {
                throw .malformedBatch(
                    "batch protocol version '\(String(decoding: bytes[3..<4], as: UTF8.self))' is newer than this hub "
                        + "(it reads \(ProtocolVersion.accepted.map(\.description).joined(separator: ", "))): upgrade the hub")
            }
            throw .malformedBatch("not a Yiwang batch (bad magic)")
        }
        let raw = try WireFrame.payload(bytes, what: "batch", maxRawBytes: limits.maxRawBytes)
        return try decodePayload(raw, version: version, limits: limits)
    }

    static func decodePayload(_ raw: [UInt8], version: ProtocolVersion, limits: Limits) throws(YiwangError)
        -> SyncBatch
    {
        var r = ByteReader(raw)
        let node = try r.string("node", maxBytes: 64)
        // Every number is range-checked here, before any arithmetic (times: epoch to year 9999; counts and
        // sequences: what a signed SQLite integer holds), so nothing downstream can overflow on them.
        var report = NodeReport(
            backlog: try r.storedUInt("backlog"),
            oldestPendingMs: try r.optionalWallMs("oldest pending"),
            oldestAfterBatchMs: try r.optionalWallMs("oldest after batch"),
            clockMs: try r.wallMs("clock"),
            hlc: try r.hlc("report hlc"))
        let firstSeq = try r.storedUInt("first seq")
        let count = try r.count("change count", minItemBytes: 8, limit: limits.maxChanges)
        guard firstSeq > 0 || count == 0 else { throw .malformedBatch("sequence numbers start at 1") }
        guard firstSeq <= UInt64.maxStored - UInt64(count) else {
            throw ByteReader.outOfRange("first seq", "the batch's last sequence exceeds \(UInt64.maxStored)")
        }
        var changes: [Change] = []
        changes.reserveCapacity(count)
        for i in 0..<count {
            let dataset = try r.string("dataset", maxBytes: 64)
            let key = try r.string("key", maxBytes: Validation.maxKeyBytes)
            let vectorCount = try r.count("vector size", minItemBytes: 2, limit: 4096)
            var entries: [VersionVector.Entry] = []
            entries.reserveCapacity(vectorCount)
            for _ in 0..<vectorCount {
                let entryNode = try r.string("vector node", maxBytes: 64)
                let counter = try r.varint("vector counter")
                if counter == 0 { throw .invalidVector("counter 0 in vector") }
                if counter > UInt64.maxStored { throw .invalidVector("counter above \(UInt64.maxStored) in vector") }
                if let last = entries.last, !ByteKey.less(last.node, entryNode) {
                    throw .invalidVector("vector entries not sorted or duplicated")
                }
                entries.append(.init(node: entryNode, counter: counter))
            }
            let hlc = try r.hlc("hlc")
            let origin = try r.string("origin", maxBytes: 64)
            let actor = try r.string("actor", maxBytes: Validation.maxActorBytes)
            guard let operation = Operation(rawValue: try r.u8("op")) else { throw .malformedBatch("unknown op") }
            let value = operation == .put ? try r.string("value", maxBytes: limits.maxValueBytes) : nil
            let version = Version(
                dataset: dataset, key: key, vector: VersionVector(sortedEntries: entries), hlc: hlc, origin: origin,
                actor: actor, operation: operation, value: value)
            changes.append(Change(seq: firstSeq + UInt64(i), version: version))
        }
        try NodeReportTail.decode(&r, into: &report)
        var skip: SkipMark?
        if version >= .v2, r.remaining > 0, r.peek == skipTag {
            _ = try r.u8("skip tag")
            let reason = try r.string("skip reason", maxBytes: SkipMark.maxReasonBytes)
            guard count == 0, firstSeq > 0 else {
                throw .malformedBatch("a skip mark is for the batch's first sequence (at least 1) and the batch has no changes")
            }
            skip = SkipMark(reason: reason)
        }
        let relay = try RelaySection.decodeIfPresent(&r, version: version)
        guard r.remaining == 0 else { throw .malformedBatch("\(r.remaining) unexpected bytes after the changes") }
        return SyncBatch(node: node, firstSeq: firstSeq, report: report, changes: changes, skip: skip, relay: relay)
    }
}

/// The binary form of a list of versions, as the batch format writes them; used to store sibling versions.
public enum VersionListCodec {
    public static func encode(_ versions: [Version]) -> [UInt8] {
        let batch = SyncBatch(
            node: "-", firstSeq: 1,
            report: NodeReport(backlog: 0, oldestPendingMs: nil, oldestAfterBatchMs: nil, clockMs: 0, hlc: .zero),
            changes: versions.enumerated().map { Change(seq: UInt64($0.offset + 1), version: $0.element) })
        // Version 1, which every build reads: a hub rolled back to an older build still reads its stored siblings.
        return BatchCodec.encode(batch, compress: false, version: .v1)
    }

    public static func decode(_ bytes: [UInt8]) throws(YiwangError) -> [Version] {
        try BatchCodec.decode(bytes).changes.map(\.version)
    }
}
