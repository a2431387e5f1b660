import Crypto

/// One entry of a hash-chained audit log (the hub's `audit` table, the edge's outbox chain).
///
/// `hash = SHA-256(prevHash || canonicalBytes)`, so each entry commits to every entry before it: editing,
/// inserting, deleting or reordering any entry breaks the chain from that position on. The detail never holds
/// record values (at most their SHA-256).
public struct AuditEntry: Hashable, Sendable {
    public var seq: Int64
    public var atMs: Int64
    /// What happened: `apply`, `conflict`, `hold`, `reject_change`, `reject_batch`, `skip`, `outbox`, ...
    public var kind: String
    public var node: String
    public var dataset: String
    public var key: String
    /// A small JSON object describing the event (vectors, actor, value hash, error code; never values).
    public var detail: String
    /// The stored hash of the previous entry (nil where the store keeps only `hash`, as the edge outbox).
    public var prevHash: AuditHash?
    /// The stored hash of this entry.
    public var hash: AuditHash

    public init(
        seq: Int64, atMs: Int64, kind: String, node: String, dataset: String, key: String, detail: String,
        prevHash: AuditHash?, hash: AuditHash
    ) {
        self.seq = seq
        self.atMs = atMs
        self.kind = kind
        self.node = node
        self.dataset = dataset
        self.key = key
        self.detail = detail
        self.prevHash = prevHash
        self.hash = hash
    }

    /// The bytes that are hashed: seq and time as big-endian 64-bit integers, then kind, node, dataset, key
    /// and detail, each as a big-endian 32-bit length and its UTF-8 bytes.
    public static func canonicalBytes(
        seq: Int64, atMs: Int64, kind: String, node: String, dataset: String, key: String, detail: String
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(40 + kind.utf8.count + node.utf8.count + dataset.utf8.count + key.utf8.count
            + detail.utf8.count)
        func integer(_ value: UInt64) {
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> shift)) }
        }
        func field(_ text: String) {
            let count = UInt32(truncatingIfNeeded: text.utf8.count)
            for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: count >> shift)) }
            out.append(contentsOf: text.utf8)
        }
        integer(UInt64(bitPattern: seq))
        integer(UInt64(bitPattern: atMs))
        for text in [kind, node, dataset, key, detail] { field(text) }
        return out
    }

    /// The hash an entry with these fields must carry after `prev`.
    public static func chainHash(
        prev: AuditHash, seq: Int64, atMs: Int64, kind: String, node: String, dataset: String, key: String,
        detail: String
    ) -> AuditHash {
        var detail = detail
        return detail.withUTF8 { utf8 in
            chainHash(
                prev: prev, seq: seq, atMs: atMs, kind: kind, node: node, dataset: dataset, key: key,
                detailUTF8: UnsafeRawBufferPointer(utf8))
        }
    }

    /// `chainHash` of a detail given as its UTF-8 bytes (`AuditDetail.jsonBytes`).
    public static func chainHash(
        prev: AuditHash, seq: Int64, atMs: Int64, kind: String, node: String, dataset: String, key: String,
        detailUTF8 detail: [UInt8]
    ) -> AuditHash {
        detail.withUnsafeBytes { bytes in
            chainHash(
                prev: prev, seq: seq, atMs: atMs, kind: kind, node: node, dataset: dataset, key: key,
                detailUTF8: bytes)
        }
    }

    /// `prev || canonicalBytes`, written into one buffer and hashed with one call: streaming the twelve pieces
    /// into the hasher one by one cost twice the hashing itself on the hub's hot path.
    private static func chainHash(
        prev: AuditHash, seq: Int64, atMs: Int64, kind: String, node: String, dataset: String, key: String,
        detailUTF8 detail: UnsafeRawBufferPointer
    ) -> AuditHash {
        var kind = kind, node = node, dataset = dataset, key = key
        return kind.withUTF8 { kind in
            node.withUTF8 { node in
                dataset.withUTF8 { dataset in
                    key.withUTF8 { key in
                        let count = prev.bytes.count + 16 + 20 + kind.count + node.count + dataset.count + key.count
                            + detail.count
                        return withUnsafeTemporaryAllocation(byteCount: count, alignment: 8) { buffer in
                            var at = 0
                            func put(_ bytes: UnsafeRawBufferPointer) {
                                UnsafeMutableRawBufferPointer(rebasing: buffer[at..<(at + bytes.count)])
                                    .copyMemory(from: bytes)
                                at += bytes.count
                            }
                            func put<T: FixedWidthInteger>(bigEndian value: T) {
                                withUnsafeBytes(of: value.bigEndian) { put($0) }
                            }
                            func field(_ utf8: UnsafeBufferPointer<UInt8>) {
                                put(bigEndian: UInt32(truncatingIfNeeded: utf8.count))
                                put(UnsafeRawBufferPointer(utf8))
                            }
                            prev.bytes.withUnsafeBytes { put($0) }
                            put(bigEndian: UInt64(bitPattern: seq))
                            put(bigEndian: UInt64(bitPattern: atMs))
                            field(kind)
                            field(node)
                            field(dataset)
                            field(key)
                            put(bigEndian: UInt32(truncatingIfNeeded: detail.count))
                            put(detail)
                            return AuditHash(sha256: UnsafeRawBufferPointer(buffer))
                        }
                    }
                }
            }
        }
    }

    /// The hash this entry must carry after `prev`.
    public func expectedHash(after prev: AuditHash) -> AuditHash {
        Self.chainHash(prev: prev, seq: seq, atMs: atMs, kind: kind, node: node, dataset: dataset, key: key, detail: detail)
    }
}

/// A SHA-256 hash in a chain, written as 64 lowercase hex digits.
public struct AuditHash: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// The hash before the first entry: 32 zero bytes.
    public static let genesis = AuditHash(bytes: [UInt8](repeating: 0, count: 32))

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// Parses 64 hex digits; nil for anything else.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var index = 0
        while index < 64 {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.bytes = bytes
    }

    /// The SHA-256 of arbitrary bytes (e.g. a record value, so the audit can prove it without holding it).
    public static func of(_ data: some Sequence<UInt8>) -> AuditHash {
        AuditHash(SHA256.hash(data: Array(data)))
    }

    /// A SHA-256 of bytes given in parts (a file written line by line, never held whole).
    public struct Streaming {
        private var hasher = SHA256()
        public init() {}
        public mutating func update(_ bytes: [UInt8]) { hasher.update(data: bytes) }
        public func finalize() -> AuditHash { AuditHash(bytes: Array(hasher.finalize())) }
    }

    /// The SHA-256 of a string's UTF-8 bytes.
    public static func of(_ text: String) -> AuditHash {
        var text = text
        return text.withUTF8 { AuditHash(sha256: UnsafeRawBufferPointer($0)) }
    }

    /// A digest's bytes, copied in one piece (not through its `Sequence` conformance, byte by byte).
    init(_ digest: SHA256.Digest) {
        bytes = digest.withUnsafeBytes { Array($0) }
    }

    /// The SHA-256 of the bytes in `buffer`.
    init(sha256 buffer: UnsafeRawBufferPointer) {
        var hasher = SHA256()
        hasher.update(bufferPointer: buffer)
        self.init(hasher.finalize())
    }

    public var hex: String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            var index = 0
            for byte in bytes {
                buffer[index] = Self.digits[Int(byte >> 4)]
                buffer[index + 1] = Self.digits[Int(byte & 0x0F)]
                index += 2
            }
            return index
        }
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    public var description: String { hex }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// A chain's head (`SEQ:HASH`): exported and kept elsewhere, it proves later that the past was not rewritten.
public struct AuditHead: Hashable, Sendable, CustomStringConvertible {
    public var seq: Int64
    public var hash: AuditHash

    public init(seq: Int64, hash: AuditHash) {
        self.seq = seq
        self.hash = hash
    }

    /// The head of an empty chain.
    public static let empty = AuditHead(seq: 0, hash: .genesis)

    /// Parses `SEQ:HASH`.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let seq = Int64(parts[0]), seq >= 0, let hash = AuditHash(hex: String(parts[1]))
        else { return nil }
        self.init(seq: seq, hash: hash)
    }

    public var description: String { "\(seq):\(hash.hex)" }
}
