/// One page of a relay's replica feed (`GET /v1/replica` on a city's relay listener): the records of the city's
/// replica that changed after the county's position, each as its full state (joined vector and every visible
/// version, tombstones included), in the order they last changed.
///
/// A relay numbers its replica, not a journal: each record holds the position of its last change, so the feed
/// of a relay is bounded by its records (a record changed a thousand times is served once, as it is now) and,
/// from position 0, is the county's whole bootstrap. Merging a full state is what a snapshot page does, so a
/// record served twice (changed again while the county paged) merges as ignored.
public struct ReplicaPage: Hashable, Sendable {
    /// The position of the page's last record (the `since` of the next pull); the request's `since` when empty.
    public var cursor: Int64
    /// The relay's newest position when the page was read (at least `cursor`).
    public var head: Int64
    /// More records changed after `cursor` when the page was read.
    public var more: Bool
    public var entries: [SnapshotEntry]

    public init(cursor: Int64, head: Int64, more: Bool, entries: [SnapshotEntry]) {
        self.cursor = cursor
        self.head = head
        self.more = more
        self.entries = entries
    }
}

/// The replica page wire format, the batch format's frame with its own magic:
///
///     "YWR1" | flags u8 (bit 0: deflated) | raw length u32 | CRC-32 of raw payload u32 | payload
///
/// The payload: cursor, head (varints), more u8 (0 or 1), the entry count, then each entry as in a snapshot page
/// (`SnapshotCodec.encodeEntry`). Hostile bytes get a typed error: every length is checked against the limits and
/// the bytes left, the head may not be before the cursor, and a page that says `more` holds at least one record
/// (so a relay cannot keep a county pulling the same position forever).
public enum ReplicaPageCodec {
    static let magic = Array("YWR1".utf8)

    public static func encode(_ page: ReplicaPage, compress: Bool = true, level: Int32 = 1) -> [UInt8] {
        var w = ByteWriter(capacity: 32 + page.entries.count * 128)
        w.varint(page.cursor)
        w.varint(page.head)
        w.u8(page.more ? 1 : 0)
        w.varint(UInt64(page.entries.count))
        for entry in page.entries { SnapshotCodec.encodeEntry(entry, into: &w) }
        let raw = w.bytes
        let deflated = compress && raw.count > 512 ? Zlib.deflate(raw, level: level) : nil
        return WireFrame.encode(magic: magic, raw: raw, deflated: deflated)
    }

    public static func decode(_ bytes: [UInt8], limits: BatchCodec.Limits = .default) throws(YiwangError)
        -> ReplicaPage
    {
        guard bytes.count >= WireFrame.headerBytes else {
            throw .malformedBatch("shorter than the \(WireFrame.headerBytes)-byte header")
        }
        guard Array(bytes.prefix(4)) == magic else { throw .malformedBatch("not a Yiwang replica page (bad magic)") }
        let raw = try WireFrame.payload(bytes, what: "replica page", maxRawBytes: limits.maxRawBytes)
        var r = ByteReader(raw)
        let cursor = Int64(try r.storedUInt("cursor"))
        let head = Int64(try r.storedUInt("head"))
        guard head >= cursor else { throw ByteReader.outOfRange("head", "before the page's cursor") }
        let more: Bool
        switch try r.u8("more flag") {
        case 0: more = false
        case 1: more = true
        default: throw .malformedBatch("unknown more flag")
        }
        let count = try r.count("entry count", minItemBytes: 8, limit: limits.maxChanges)
        var entries: [SnapshotEntry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count { entries.append(try SnapshotCodec.decodeEntry(&r, limits: limits)) }
        guard r.remaining == 0 else { throw .malformedBatch("\(r.remaining) unexpected bytes after the entries") }
        guard !more || !entries.isEmpty else { throw .malformedBatch("a page that says more but holds no record") }
        return ReplicaPage(cursor: cursor, head: head, more: more, entries: entries)
    }
}
