import Crypto

/// An order-independent digest of a dataset's visible state: the sum, modulo 2^256, of the SHA-256 of each
/// record's canonical form. Two replicas holding the same states have the same digest whatever order they
/// merged in; a sum (not XOR) keeps two identical records from cancelling out, and supports removal.
public struct DatasetDigest: Hashable, Sendable, CustomStringConvertible {
    /// Four 64-bit limbs, least significant first.
    public private(set) var limbs: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    public private(set) var records: Int = 0

    public init() {}

    public mutating func add(key: String, state: RecordState) {
        add(hash: Self.recordHash(key: key, state: state), sign: 1)
        records += 1
    }

    public mutating func remove(key: String, state: RecordState) {
        add(hash: Self.recordHash(key: key, state: state), sign: -1)
        records -= 1
    }

    /// The canonical bytes of one record: key, joined vector, then each visible version.
    public static func canonicalBytes(key: String, state: RecordState) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + (state.visible.first?.value?.utf8.count ?? 0))
        func field(_ s: String) {
            var n = UInt32(s.utf8.count).littleEndian
            withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
            out.append(contentsOf: s.utf8)
        }
        field(key)
        field(state.vector.description)
        for version in state.visible {
            field(version.origin)
            var hlc = version.hlc.packed.littleEndian
            withUnsafeBytes(of: &hlc) { out.append(contentsOf: $0) }
            out.append(version.operation.rawValue)
            field(version.value ?? "")
        }
        return out
    }

    static func recordHash(key: String, state: RecordState) -> (UInt64, UInt64, UInt64, UInt64) {
        let digest = SHA256.hash(data: canonicalBytes(key: key, state: state))
        return digest.withUnsafeBytes { raw in
            (
                raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian,
                raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian,
                raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self).littleEndian,
                raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self).littleEndian
            )
        }
    }

    private mutating func add(hash: (UInt64, UInt64, UInt64, UInt64), sign: Int) {
        var h = [hash.0, hash.1, hash.2, hash.3]
        if sign < 0 {  // two's complement negation modulo 2^256
            h = h.map { ~$0 }
            var carry: UInt64 = 1
            for i in 0..<4 {
                let (sum, overflow) = h[i].addingReportingOverflow(carry)
                h[i] = sum
                carry = overflow ? 1 : 0
            }
        }
        var acc = [limbs.0, limbs.1, limbs.2, limbs.3]
        var carry: UInt64 = 0
        for i in 0..<4 {
            let (s1, o1) = acc[i].addingReportingOverflow(h[i])
            let (s2, o2) = s1.addingReportingOverflow(carry)
            acc[i] = s2
            carry = (o1 ? 1 : 0) + (o2 ? 1 : 0)
        }
        limbs = (acc[0], acc[1], acc[2], acc[3])
    }

    /// 64 hex digits, most significant first.
    public var hex: String {
        [limbs.3, limbs.2, limbs.1, limbs.0].map { limb in
            let s = String(limb, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }.joined()
    }

    public var description: String { "\(hex) (\(records) records)" }

    public static func == (lhs: DatasetDigest, rhs: DatasetDigest) -> Bool {
        lhs.limbs == rhs.limbs && lhs.records == rhs.records
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(limbs.0)
        hasher.combine(limbs.1)
        hasher.combine(limbs.2)
        hasher.combine(limbs.3)
        hasher.combine(records)
    }
}
