/// A version vector: for every node that wrote a record, the counter of its latest write the holder has seen.
///
/// Entries are kept sorted by node id (as UTF-8 bytes, `ByteKey`) with no zero counters, so equal vectors have
/// equal encodings (model: Syncthing's `lib/protocol/vector.go`).
public struct VersionVector: Hashable, Sendable, CustomStringConvertible {
    public struct Entry: Hashable, Sendable {
        public var node: String
        public var counter: UInt64
        public init(node: String, counter: UInt64) {
            self.node = node
            self.counter = counter
        }

        /// Node ids compare as bytes (`ByteKey`), like everything that identifies something.
        public static func == (lhs: Entry, rhs: Entry) -> Bool {
            lhs.counter == rhs.counter && ByteKey.equal(lhs.node, rhs.node)
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(ByteKey(node))
            hasher.combine(counter)
        }
    }

    /// How two vectors relate causally.
    public enum Ordering: Sendable, Equatable {
        case equal
        /// `self` happened before the other (the other dominates).
        case before
        /// `self` happened after the other (`self` dominates).
        case after
        case concurrent
    }

    public private(set) var entries: [Entry]

    public init() { entries = [] }

    /// Builds a vector from unordered pairs; zero counters are dropped, duplicate nodes keep the highest counter.
    public init(_ pairs: [String: UInt64]) {
        entries = pairs.filter { $0.value > 0 }.map { Entry(node: $0.key, counter: $0.value) }
            .sorted { ByteKey.less($0.node, $1.node) }
    }

    /// Builds a vector from entries already sorted by node with no duplicates and no zeros (as decoded).
    init(sortedEntries: [Entry]) { entries = sortedEntries }

    public var isEmpty: Bool { entries.isEmpty }

    public func counter(for node: String) -> UInt64 {
        var low = 0
        var high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if ByteKey.equal(entries[mid].node, node) { return entries[mid].counter }
            if ByteKey.less(entries[mid].node, node) { low = mid + 1 } else { high = mid }
        }
        return 0
    }

    /// A copy with `node`'s counter set to `counter` (the vector of a new local write).
    public func setting(_ node: String, to counter: UInt64) -> VersionVector {
        var copy = entries
        if let index = copy.firstIndex(where: { !ByteKey.less($0.node, node) }) {
            if ByteKey.equal(copy[index].node, node) {
                copy[index].counter = counter
            } else {
                copy.insert(Entry(node: node, counter: counter), at: index)
            }
        } else {
            copy.append(Entry(node: node, counter: counter))
        }
        return VersionVector(sortedEntries: copy.filter { $0.counter > 0 })
    }

    /// The least vector that dominates or equals both: the element-wise maximum.
    public func joined(with other: VersionVector) -> VersionVector {
        var result: [Entry] = []
        result.reserveCapacity(max(entries.count, other.entries.count))
        var i = 0
        var j = 0
        while i < entries.count || j < other.entries.count {
            if j == other.entries.count || (i < entries.count && ByteKey.less(entries[i].node, other.entries[j].node)) {
                result.append(entries[i])
                i += 1
            } else if i == entries.count || ByteKey.less(other.entries[j].node, entries[i].node) {
                result.append(other.entries[j])
                j += 1
            } else {
                result.append(Entry(node: entries[i].node, counter: max(entries[i].counter, other.entries[j].counter)))
                i += 1
                j += 1
            }
        }
        return VersionVector(sortedEntries: result)
    }

    /// Compares two vectors in one merge-walk over the sorted entries.
    public func compare(_ other: VersionVector) -> Ordering {
        var selfGreater = false
        var otherGreater = false
        var i = 0
        var j = 0
        while i < entries.count || j < other.entries.count {
            if j == other.entries.count || (i < entries.count && ByteKey.less(entries[i].node, other.entries[j].node)) {
                selfGreater = true
                i += 1
            } else if i == entries.count || ByteKey.less(other.entries[j].node, entries[i].node) {
                otherGreater = true
                j += 1
            } else {
                if entries[i].counter > other.entries[j].counter { selfGreater = true }
                if entries[i].counter < other.entries[j].counter { otherGreater = true }
                i += 1
                j += 1
            }
            if selfGreater && otherGreater { return .concurrent }
        }
        switch (selfGreater, otherGreater) {
        case (false, false): return .equal
        case (true, false): return .after
        case (false, true): return .before
        case (true, true): return .concurrent
        }
    }

    /// True when `self` is equal to or dominated by `other`.
    public func isCovered(by other: VersionVector) -> Bool {
        let ordering = compare(other)
        return ordering == .equal || ordering == .before
    }

    /// The canonical text form, `node:counter,node:counter` in node order (empty vector: empty string).
    public var description: String {
        // One string, grown in place: this text is written three times per change on the hub's hot path.
        if entries.count == 1 { return entries[0].node + ":" + String(entries[0].counter) }
        var text = ""
        text.reserveCapacity(entries.count * 16)
        for entry in entries {
            if !text.isEmpty { text.append(",") }
            text.append(entry.node)
            text.append(":")
            text.append(String(entry.counter))
        }
        return text
    }

    /// Parses the canonical text form; rejects unsorted, duplicate, zero or malformed entries.
    ///
    /// Byte by byte over the UTF-8 (the edge parses one per outbox entry it sends, the hub one per record it
    /// reads): splitting into substrings was 3% of the edge's CPU while draining.
    public init(parsing text: String) throws(YiwangError) {
        if text.isEmpty {
            self.init()
            return
        }
        let utf8 = Array(text.utf8)
        var parsed: [Entry] = []
        var start = 0
        while start <= utf8.count {
            let end = utf8[start...].firstIndex(of: UInt8(ascii: ",")) ?? utf8.count
            parsed.append(try Self.entry(utf8[start..<end], after: parsed.last))
            start = end + 1
        }
        self.init(sortedEntries: parsed)
    }

    /// One `node:counter` entry (the node is everything before the last colon).
    private static func entry(_ part: ArraySlice<UInt8>, after last: Entry?) throws(YiwangError) -> Entry {
        let colon = part.lastIndex(of: UInt8(ascii: ":"))
        let digits = colon.map { part[($0 + 1)...] } ?? []
        var counter: UInt64? = digits.isEmpty ? nil : 0
        for byte in digits {
            guard let value = counter, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                counter = nil
                break
            }
            let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            counter = overflow || carry ? nil : sum
        }
        guard let colon, let counter, counter > 0 else {
            let text = String(decoding: part.prefix(80), as: UTF8.self)
            throw .invalidVector("entry '\(text)' is not node:counter with counter > 0")
        }
        let node = String(decoding: part[..<colon], as: UTF8.self)
        try Validation.nodeID(node, field: "vector")
        if let last, !ByteKey.less(last.node, node) {
            throw .invalidVector("entries must be sorted by node with no duplicates")
        }
        return Entry(node: node, counter: counter)
    }
}
