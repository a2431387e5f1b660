/// The frame batches (`BatchCodec`) and snapshot pages (`SnapshotCodec`) share, each with its own magic:
///
///     magic (4 bytes) | flags u8 (bit 0: deflated) | raw length u32 | CRC-32 of raw payload u32 | payload
///
/// Each codec checks the length and its magic first (their errors name what it expected); the rest is here.
enum WireFrame {
    static let headerBytes = 13

    /// The frame around `raw`, sent as `deflated` when given (the flag says so); the CRC is of `raw`.
    static func encode(magic: [UInt8], raw: [UInt8], deflated: [UInt8]?) -> [UInt8] {
        var out = ByteWriter(capacity: headerBytes + (deflated ?? raw).count)
        out.bytes.append(contentsOf: magic)
        out.u8(deflated == nil ? 0 : 1)
        out.u32(UInt32(raw.count))
        out.u32(Zlib.crc32(raw))
        out.bytes.append(contentsOf: deflated ?? raw)
        return out.bytes
    }

    /// The raw payload of a frame of at least `headerBytes` whose magic the caller checked: flags known, the
    /// raw length within `maxRawBytes`, the payload that length once inflated, its CRC-32 right. `what` names
    /// the thing in the too-large error ("batch", "snapshot page").
    static func payload(_ bytes: [UInt8], what: String, maxRawBytes: Int) throws(YiwangError) -> [UInt8] {
        guard bytes.count >= headerBytes else { throw .malformedBatch("shorter than the \(headerBytes)-byte header") }
        var header = ByteReader(bytes, offset: 4)
        let flags = try header.u8("flags")
        guard flags & ~1 == 0 else { throw .malformedBatch("unknown flags \(flags)") }
        let rawLength = Int(try header.u32("raw length"))
        let checksum = try header.u32("checksum")
        guard rawLength <= maxRawBytes else {
            throw .batchTooLarge("\(what) inflates to \(rawLength) bytes, the limit is \(maxRawBytes)")
        }
        let body = Array(bytes[headerBytes...])
        let raw: [UInt8]
        if flags & 1 == 1 {
            guard let inflated = Zlib.inflate(body, exactLength: rawLength) else {
                throw .malformedBatch("compressed payload is corrupt or not \(rawLength) bytes")
            }
            raw = inflated
        } else {
            guard body.count == rawLength else { throw .malformedBatch("payload is not \(rawLength) bytes") }
            raw = body
        }
        guard Zlib.crc32(raw) == checksum else { throw .checksumMismatch() }
        return raw
    }
}
