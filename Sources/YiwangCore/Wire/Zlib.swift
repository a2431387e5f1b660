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

    /// Inflates into exactly `exactLength` bytes; nil if the data is corrupt, truncated, or inflates to any
    /// other size. The output grows as bytes actually come out of the stream (in 64 KiB steps), never sized
    /// by the claimed length up front: a 13-byte header claiming 64 MiB over a tiny body costs kilobytes.
    public static func inflate(_ input: [UInt8], exactLength: Int) -> [UInt8]? {
        var peak = 0
        return inflate(input, exactLength: exactLength, peakCapacity: &peak)
    }

    /// `inflate(_:exactLength:)`, also reporting the largest output buffer it held (for tests).
    public static func inflate(_ input: [UInt8], exactLength: Int, peakCapacity: inout Int) -> [UInt8]? {
        guard exactLength >= 0, !input.isEmpty else { return nil }
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(64 << 10, max(exactLength, 1)))
        var status = Z_OK
        var tooLong = false
        input.withUnsafeBufferPointer { inp in
            stream.next_in = UnsafeMutablePointer(mutating: inp.baseAddress)
            stream.avail_in = uInt(inp.count)
            while status == Z_OK {
                let produced = chunk.withUnsafeMutableBufferPointer { out -> Int in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                guard produced <= exactLength - output.count else {  // more than claimed: stop now
                    tooLong = true
                    return
                }
                output.append(contentsOf: chunk[0..<produced])
                peakCapacity = max(peakCapacity, output.capacity)
            }
        }
        guard !tooLong, status == Z_STREAM_END, output.count == exactLength else { return nil }
        return output
    }

    public static func crc32(_ input: [UInt8]) -> UInt32 {
        input.withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, uInt($0.count))) }
    }
}
