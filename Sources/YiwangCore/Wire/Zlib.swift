import CZlib

/// zlib through its plain C API (zlib1g-dev).
public enum Zlib {
    public static func deflate(_ input: [UInt8], level: Int32 = 6) -> [UInt8]? {
        var capacity = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(capacity))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { inp in
                compress2(out.baseAddress, &capacity, inp.baseAddress, uLong(inp.count), level)
            }
        }
        guard status == Z_OK else { return nil }
        output.removeSubrange(Int(capacity)...)
        return output
    }

    /// Inflates into exactly `exactLength` bytes; nil if the data is corrupt or inflates to any other size.
    public static func inflate(_ input: [UInt8], exactLength: Int) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: max(exactLength, 1))
        var produced = uLong(exactLength)
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { inp in
                uncompress(out.baseAddress, &produced, inp.baseAddress, uLong(inp.count))
            }
        }
        guard status == Z_OK, produced == uLong(exactLength) else { return nil }
        if exactLength == 0 { return [] }
        return output
    }

    public static func crc32(_ input: [UInt8]) -> UInt32 {
        input.withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, uInt($0.count))) }
    }
}
