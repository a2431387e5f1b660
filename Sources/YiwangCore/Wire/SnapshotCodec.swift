/// Where a snapshot page ends: the `(dataset, key)` of its last record. The next page holds the records after
/// it, compared as bytes. On the wire (`?after=`) it is the lowercase hex of `varint(dataset length) dataset key`,
/// so any key bytes travel safely in a URL; a token that does not decode to a valid dataset and key is refused.
public struct SnapshotToken: Hashable, Sendable, CustomStringConvertible {
    public var dataset: String
    public var key: String

    public init(dataset: String, key: String) {
        self.dataset = dataset
        self.key = key
    }

    /// The token as it goes in a URL.
    public var encoded: String {
        var writer = ByteWriter(capacity: dataset.utf8.count + key.utf8.count + 2)
        writer.string(dataset)
        writer.bytes.append(contentsOf: key.utf8)
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(writer.bytes.count * 2)
        for byte in writer.bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { encoded }

    /// The token of `text` (`field` names it in the error): hex, a dataset of 1...64 bytes and a key of
    /// 1...`Validation.maxKeyBytes` bytes, both valid UTF-8; anything else is an `invalid_field` error.
    public init(parsing text: Substring, field: String = "after") throws(YiwangError) {
        let maxDigits = 2 * (2 + 64 + Validation.maxKeyBytes)
        let utf8 = Array(text.utf8)
        guard utf8.count.isMultiple(of: 2), utf8.count <= maxDigits else {
            throw .invalidField(field, "\(field) must be a token from a snapshot page (hex, at most \(maxDigits) digits)")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else {
                throw .invalidField(field, "\(field) must be a token from a snapshot page (lowercase hex)")
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        var reader = ByteReader(bytes)
        do {
            let dataset = try reader.string("dataset", maxBytes: 64)
            let keyBytes = Array(bytes[reader.offset...])
            guard !dataset.isEmpty, !keyBytes.isEmpty, let key = String(validating: keyBytes, as: UTF8.self) else {
                throw YiwangError.malformedBatch("empty or not UTF-8")
            }
            self.init(dataset: dataset, key: key)
        } catch {
            throw .invalidField(field, "\(field) is not a token from a snapshot page (its dataset or key is not valid)")
        }
    }

    /// Whether `(dataset, key)` comes after this token, comparing bytes (dataset first).
    public func precedes(dataset: String, key: String) -> Bool {
        if ByteKey.equal(self.dataset, dataset) { return ByteKey.less(self.key, key) }
        return ByteKey.less(self.dataset, dataset)
    }
}

/// One record of a snapshot: its full state (joined vector and every visible version, tombstones included).
public struct SnapshotEntry: Hashable, Sendable {
    public var dataset: String
    public var key: String
    public var state: RecordState

    public init(dataset: String, key: String, state: RecordState) {
        self.dataset = dataset
        self.key = key
        self.state = state
    }
}

/// One page of `GET /v1/snapshot`: records in (dataset, key) byte order, the feed position of the snapshot,
/// and the token of the next page (nil on the last page).
public struct SnapshotPage: Hashable, Sendable {
    /// P: the feed head when the snapshot's first page was read. After the last page the node pulls the feed
    /// from P.
    public var position: Int64
    /// The feed head when this page was read (at least `position`): every state in the page is as of it.
    public var readAt: Int64
    /// Where the next page starts; nil when this is the last one.
    public var next: SnapshotToken?
    public var entries: [SnapshotEntry]

    public init(position: Int64, readAt: Int64, next: SnapshotToken?, entries: [SnapshotEntry]) {
        self.position = position
        self.readAt = readAt
        self.next = next
        self.entries = entries
    }

    /// The most bytes of records a page carries (a page holds at least one record, whatever its size).
    public static let maxBytes = 8 << 20

    /// About what an entry costs in a page, for the byte budget.
    public static func entryBytes(_ entry: SnapshotEntry) -> Int {
        var bytes = entry.dataset.utf8.count + entry.key.utf8.count + 24 * entry.state.vector.entries.count + 8
        for version in entry.state.visible {
            bytes += version.origin.utf8.count + version.actor.utf8.count + (version.value?.utf8.count ?? 0)
                + 24 * version.vector.entries.count + 16
        }
        return bytes
    }
}

/// The snapshot page wire format, the batch format's frame with its own magic:
///
///     "YWS1" | flags u8 (bit 0: deflated) | raw length u32 | CRC-32 of raw payload u32 | payload
///
/// The payload: position, read-at (varints), a next token (u8 0, or 1 then dataset and key strings), the entry
/// count, then each entry: dataset, key, joined vector (count, then node string and counter each), the count of
/// visible versions (at least 1), and each version: vector, HLC, origin, actor, op u8, value string for a put.
/// Decoding checks every length against the limits and the bytes left, entries strictly ascending by bytes,
/// and the next token equal to the last entry, so hostile bytes get a typed error.
public enum SnapshotCodec {
    static let magic = Array("YWS1".utf8)
    static let headerBytes = WireFrame.headerBytes

    public static func encode(_ page: SnapshotPage, compress: Bool = true, level: Int32 = 1) -> [UInt8] {
        var w = ByteWriter(capacity: 64 + page.entries.count * 128)
        w.varint(page.position)
        w.varint(page.readAt)
        if let next = page.next {
            w.u8(1)
            w.string(next.dataset)
            w.string(next.key)
        } else {
            w.u8(0)
        }
        w.varint(UInt64(page.entries.count))
        for entry in page.entries { encodeEntry(entry, into: &w) }
        let raw = w.bytes
        let deflated = compress && raw.count > 512 ? Zlib.deflate(raw, level: level) : nil
        return WireFrame.encode(magic: magic, raw: raw, deflated: deflated)
    }

    public static func decode(_ bytes: [UInt8], limits: BatchCodec.Limits = .default) throws(YiwangError)
        -> SnapshotPage
    {
        guard bytes.count >= headerBytes else { throw .malformedBatch("shorter than the \(headerBytes)-byte header") }
        guard Array(bytes.prefix(4)) == magic else { throw .malformedBatch("not a Yiwang snapshot page (bad magic)") }
        let raw = try WireFrame.payload(bytes, what: "snapshot page", maxRawBytes: limits.maxRawBytes)
        return try decodePayload(raw, limits: limits)
    }

    static func decodePayload(_ raw: [UInt8], limits: BatchCodec.Limits) throws(YiwangError) -> SnapshotPage {
        var r = ByteReader(raw)
        let position = Int64(try r.storedUInt("position"))
        let readAt = Int64(try r.storedUInt("read at"))
        guard readAt >= position else { throw ByteReader.outOfRange("read at", "before the snapshot's position") }
        var next: SnapshotToken?
        switch try r.u8("next flag") {
        case 0: next = nil
        case 1:
            next = SnapshotToken(
                dataset: try r.string("next dataset", maxBytes: 64),
                key: try r.string("next key", maxBytes: Validation.maxKeyBytes))
        default: throw .malformedBatch("unknown next flag")
        }
        let count = try r.count("entry count", minItemBytes: 8, limit: limits.maxChanges)
        var entries: [SnapshotEntry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let entry = try decodeEntry(&r, limits: limits)
            if let last = entries.last,
                !SnapshotToken(dataset: last.dataset, key: last.key).precedes(dataset: entry.dataset, key: entry.key)
            {
                throw .malformedBatch("snapshot entries not in ascending (dataset, key) byte order")
            }
            entries.append(entry)
        }
        guard r.remaining == 0 else { throw .malformedBatch("\(r.remaining) unexpected bytes after the entries") }
        if let next {
            guard let last = entries.last, ByteKey.equal(last.dataset, next.dataset), ByteKey.equal(last.key, next.key)
            else { throw .malformedBatch("the next token is not the page's last record") }
        }
        return SnapshotPage(position: position, readAt: readAt, next: next, entries: entries)
    }

    /// One record's full state on the wire (a snapshot page's or a replica page's entry): dataset, key, joined
    /// vector, the count of visible versions (at least 1), and each version.
    static func encodeEntry(_ entry: SnapshotEntry, into w: inout ByteWriter) {
        w.string(entry.dataset)
        w.string(entry.key)
        vector(entry.state.vector, into: &w)
        w.varint(UInt64(entry.state.visible.count))
        for v in entry.state.visible {
            vector(v.vector, into: &w)
            w.varint(v.hlc.packed)
            w.string(v.origin)
            w.string(v.actor)
            w.u8(v.operation.rawValue)
            if v.operation == .put { w.string(v.value ?? "{}") }
        }
    }

    /// An entry written by `encodeEntry`, every length and vector checked.
    static func decodeEntry(_ r: inout ByteReader, limits: BatchCodec.Limits) throws(YiwangError) -> SnapshotEntry {
        let dataset = try r.string("dataset", maxBytes: 64)
        let key = try r.string("key", maxBytes: Validation.maxKeyBytes)
        let joined = try vector(&r, "vector")
        let visibleCount = try r.count("visible count", minItemBytes: 4, limit: 4096)
        guard visibleCount > 0 else { throw .malformedBatch("a snapshot entry without a visible version") }
        var visible: [Version] = []
        visible.reserveCapacity(visibleCount)
        for _ in 0..<visibleCount {
            let vv = try vector(&r, "version vector")
            guard vv.isCovered(by: joined) else {
                throw .invalidVector("a visible version's vector is not covered by the record's joined vector")
            }
            let hlc = try r.hlc("hlc")
            let origin = try r.string("origin", maxBytes: 64)
            let actor = try r.string("actor", maxBytes: Validation.maxActorBytes)
            guard let operation = Operation(rawValue: try r.u8("op")) else { throw .malformedBatch("unknown op") }
            let value = operation == .put ? try r.string("value", maxBytes: limits.maxValueBytes) : nil
            visible.append(
                Version(
                    dataset: dataset, key: key, vector: vv, hlc: hlc, origin: origin, actor: actor,
                    operation: operation, value: value))
        }
        return SnapshotEntry(dataset: dataset, key: key, state: RecordState(vector: joined, visible: visible))
    }

    private static func vector(_ vector: VersionVector, into w: inout ByteWriter) {
        w.varint(UInt64(vector.entries.count))
        for entry in vector.entries {
            w.string(entry.node)
            w.varint(entry.counter)
        }
    }

    private static func vector(_ r: inout ByteReader, _ what: String) throws(YiwangError) -> VersionVector {
        let count = try r.count("\(what) size", minItemBytes: 2, limit: 4096)
        var entries: [VersionVector.Entry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let node = try r.string("vector node", maxBytes: 64)
            let counter = try r.varint("vector counter")
            if counter == 0 { throw .invalidVector("counter 0 in vector") }
            if counter > UInt64.maxStored { throw .invalidVector("counter above \(UInt64.maxStored) in vector") }
            if let last = entries.last, !ByteKey.less(last.node, node) {
                throw .invalidVector("vector entries not sorted or duplicated")
            }
            entries.append(.init(node: node, counter: counter))
        }
        return VersionVector(sortedEntries: entries)
    }
}
