import YiwangCore

/// A batch in the wire format (BatchCodec, version 1) whose every number is set as raw 64-bit bits, so that
/// tests can send what no honest node encodes: a valid batch mutated field by field (issue 13, class 2).
public struct RawBatch: Sendable, Hashable {
    /// Every numeric field of the format; `setting(_:to:)` changes one.
    public enum Field: String, CaseIterable, Sendable {
        case backlog, oldestPending, oldestAfterBatch, clock, reportHLC, firstSeq, vectorCounter, changeHLC
    }

    public var node: String
    public var backlog: UInt64 = 1
    /// As on the wire: 0 for none, else ms + 1.
    public var oldestPending: UInt64
    public var oldestAfterBatch: UInt64 = 0
    public var clock: UInt64
    public var reportHLC: UInt64
    public var firstSeq: UInt64 = 1
    public var vectorCounter: UInt64 = 1
    public var changeHLC: UInt64
    public var dataset = "population"
    public var key = "raw-key"

    /// One honest change at `nowMs`, from `node`.
    public init(node: String, nowMs: Int64) {
        self.node = node
        let ms = UInt64(max(0, nowMs))
        oldestPending = ms + 1
        clock = ms
        reportHLC = ms << 16
        changeHLC = ms << 16
    }

    public func setting(_ field: Field, to value: UInt64) -> RawBatch {
        var copy = self
        switch field {
        case .backlog: copy.backlog = value
        case .oldestPending: copy.oldestPending = value
        case .oldestAfterBatch: copy.oldestAfterBatch = value
        case .clock: copy.clock = value
        case .reportHLC: copy.reportHLC = value
        case .firstSeq: copy.firstSeq = value
        case .vectorCounter: copy.vectorCounter = value
        case .changeHLC: copy.changeHLC = value
        }
        return copy
    }

    /// The extremes every numeric field is driven through: 0, 1, the year-9999 bound and one past it, the
    /// HLC bound, the ends of Int64 and UInt64 (as bits), and a negative Int64 as bits.
    public static let extremes: [UInt64] = [
        0, 1, UInt64(Millis.maxWallMs), UInt64(Millis.maxWallMs) + 1, UInt64(Millis.maxWallMs) + 2,
        UInt64(Millis.maxHLCWallMs), UInt64(Int64.max) - 1, UInt64(Int64.max), UInt64(Int64.max) + 1,
        UInt64(bitPattern: -1), UInt64(bitPattern: Int64.min), UInt64.max - 1, UInt64.max,
    ]

    /// The batch as the hub receives it (uncompressed, with a correct checksum).
    public func encoded() -> [UInt8] {
        var raw: [UInt8] = []
        Self.string(node, &raw)
        for v in [backlog, oldestPending, oldestAfterBatch, clock, reportHLC, firstSeq, 1] { Self.varint(v, &raw) }
        Self.string(dataset, &raw)
        Self.string(key, &raw)
        Self.varint(1, &raw)  // one vector entry: the origin's
        Self.string(node, &raw)
        Self.varint(vectorCounter, &raw)
        Self.varint(changeHLC, &raw)
        Self.string(node, &raw)  // origin
        Self.string("clerk-7", &raw)  // actor
        raw.append(Operation.put.rawValue)
        Self.string(#"{"n":1}"#, &raw)
        var out = ProtocolVersion.v1.magic
        out.append(0)  // not deflated
        Self.u32(UInt32(raw.count), &out)
        Self.u32(Zlib.crc32(raw), &out)
        return out + raw
    }

    static func varint(_ value: UInt64, _ out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    static func u32(_ value: UInt32, _ out: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    static func string(_ s: String, _ out: inout [UInt8]) {
        varint(UInt64(s.utf8.count), &out)
        out.append(contentsOf: s.utf8)
    }
}
