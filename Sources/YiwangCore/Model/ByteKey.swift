/// Text that identifies something (a key, dataset, actor, node id, origin), compared and hashed as its UTF-8
/// bytes.
///
/// Swift's `String` `==`, `<` and `hashValue` follow Unicode canonical equivalence: "café" written with U+00E9
/// and "cafe\u{301}" are equal strings, and so is the Kelvin sign "\u{212A}" with "K". SQLite compares the bytes,
/// so two such keys are two rows there; a Swift collection keyed by `String` would merge them into one. Every
/// identity in Yiwang goes through this type (or its static helpers) instead: a key is its bytes.
public struct ByteKey: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let text: String

    public init(_ text: String) { self.text = text }

    public init(stringLiteral text: String) { self.text = text }

    public var description: String { text }

    public static func == (lhs: ByteKey, rhs: ByteKey) -> Bool { equal(lhs.text, rhs.text) }

    public static func < (lhs: ByteKey, rhs: ByteKey) -> Bool { less(lhs.text, rhs.text) }

    public func hash(into hasher: inout Hasher) {
        let utf8 = text.utf8
        hasher.combine(utf8.count)  // a length first, so that composite keys cannot run into each other
        let done: Void? = utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil { for byte in utf8 { hasher.combine(byte) } }
    }

    /// True when the two texts have the same UTF-8 bytes (not merely canonically equivalent).
    /// (Over the contiguous UTF-8 of native strings when there is one: vectors compare node ids on the hub's
    /// hot path.)
    @inlinable
    public static func equal(_ lhs: String, _ rhs: String) -> Bool {
        let (l, r) = (lhs.utf8, rhs.utf8)
        guard l.count == r.count else { return false }
        let fast = l.withContiguousStorageIfAvailable { lb in
            r.withContiguousStorageIfAvailable { lb.elementsEqual($0) }
        }
        return fast.flatMap { $0 } ?? l.elementsEqual(r)
    }

    /// Byte-wise lexicographic order of the UTF-8 bytes (SQLite's `BINARY` collation, and code point order).
    @inlinable
    public static func less(_ lhs: String, _ rhs: String) -> Bool {
        let (l, r) = (lhs.utf8, rhs.utf8)
        let fast = l.withContiguousStorageIfAvailable { lb in
            r.withContiguousStorageIfAvailable { lb.lexicographicallyPrecedes($0) }
        }
        return fast.flatMap { $0 } ?? l.lexicographicallyPrecedes(r)
    }
}
