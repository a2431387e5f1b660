/// Reads what `ByteWriter` wrote, never past the end and never allocating more than the bytes left,
/// so that hostile input yields a typed error rather than a crash or a huge allocation.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }
    /// The next byte without reading it; nil at the end.
    var peek: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    mutating func u8(_ what: String) throws(YiwangError) -> UInt8 {
        guard offset < bytes.count else { throw .malformedBatch("truncated at \(what)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u32(_ what: String) throws(YiwangError) -> UInt32 {
        guard remaining >= 4 else { throw .malformedBatch("truncated at \(what)") }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[offset + i]) << UInt32(8 * i) }
        offset += 4
        return v
    }

    mutating func varint(_ what: String) throws(YiwangError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try u8(what)
            if shift == 63 && byte > 1 { throw .malformedBatch("\(what) overflows 64 bits") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw .malformedBatch("\(what) overflows 64 bits") }
        }
    }

    mutating func int64(_ what: String) throws(YiwangError) -> Int64 {
        let v = try varint(what)
        guard v <= UInt64(Int64.max) else { throw .malformedBatch("\(what) out of range") }
        return Int64(v)
    }

    mutating func optionalInt64(_ what: String) throws(YiwangError) -> Int64? {
        let v = try varint(what)
        if v == 0 { return nil }
        guard v - 1 <= UInt64(Int64.max) else { throw .malformedBatch("\(what) out of range") }
        return Int64(v - 1)
    }

    /// A wall-clock reading in milliseconds, refused outside `Millis.wallRange` (epoch to year 9999).
    mutating func wallMs(_ what: String) throws(YiwangError) -> Int64 {
        let v = try varint(what)
        guard v <= UInt64(Millis.maxWallMs) else { throw Self.outOfRange(what, "a time after year 9999") }
        return Int64(v)
    }

    /// An optional wall-clock reading (0 for nil, else ms + 1), refused outside `Millis.wallRange`.
    mutating func optionalWallMs(_ what: String) throws(YiwangError) -> Int64? {
        let v = try varint(what)
        if v == 0 { return nil }
        guard v - 1 <= UInt64(Millis.maxWallMs) else { throw Self.outOfRange(what, "a time after year 9999") }
        return Int64(v - 1)
    }

    /// A count or sequence number, refused above `UInt64.maxStored` (it must fit a signed SQLite integer).
    mutating func storedUInt(_ what: String) throws(YiwangError) -> UInt64 {
        let v = try varint(what)
        guard v <= UInt64.maxStored else { throw Self.outOfRange(what, "more than \(UInt64.maxStored)") }
        return v
    }

    /// An HLC reading, refused when its wall-clock part is past `Millis.maxWallMs`.
    mutating func hlc(_ what: String) throws(YiwangError) -> HLCTimestamp {
        let hlc = HLCTimestamp(packed: try int64(what))
        guard hlc.wallMs <= Millis.maxWallMs else { throw Self.outOfRange(what, "a time after year 9999") }
        return hlc
    }

    static func outOfRange(_ what: String, _ why: String) -> YiwangError {
        YiwangError(code: .malformedBatch, field: what, message: "\(what) out of range: \(why)")
    }

    /// A count of items each at least `minItemBytes` long: bounded by what is left to read.
    mutating func count(_ what: String, minItemBytes: Int, limit: Int) throws(YiwangError) -> Int {
        let v = try varint(what)
        guard v <= UInt64(limit), v * UInt64(minItemBytes) <= UInt64(remaining) else {
            throw .malformedBatch("\(what) of \(v) exceeds the limit or the bytes left")
        }
        return Int(v)
    }

    mutating func string(_ what: String, maxBytes: Int) throws(YiwangError) -> String {
        let length = try varint(what)
        guard length <= UInt64(maxBytes) else { throw .malformedBatch("\(what) longer than \(maxBytes) bytes") }
        guard length <= UInt64(remaining) else { throw .malformedBatch("truncated at \(what)") }
        let end = offset + Int(length)
        defer { offset = end }
        guard let s = String(validating: bytes[offset..<end], as: UTF8.self) else {
            // Refused naming the element, never decoded with U+FFFD in place of the bytes.
            throw YiwangError(code: .malformedBatch, field: what, message: "\(what) is not valid UTF-8")
        }
        return s
    }
}
