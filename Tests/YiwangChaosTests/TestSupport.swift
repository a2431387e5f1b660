import Foundation
import YiwangChaos

enum JSONEncoderForTests {
    static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return Array(try encoder.encode(value))
    }
}

/// Milliseconds in nanoseconds, for shaper times.
func ms(_ value: Int) -> UInt64 { UInt64(value) * 1_000_000 }
