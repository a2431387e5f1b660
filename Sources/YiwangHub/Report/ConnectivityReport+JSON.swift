import YiwangCore

/// The report rendered by hand: the keys, order and values `JSONEncoder` with sorted keys writes for these
/// types, the same bytes for text without control characters (`Codable` stays the reader's side:
/// `yiwangctl status` decodes it). Foundation's encoder spent ~20 ms of CPU on a 1,000-node report, as much
/// as the batch applier while 130 nodes pushed.
extension ConnectivityReport {
    /// The UTF-8 JSON text of the report (keys sorted at every level, absent values as `null`).
    public func jsonBytes() -> [UInt8] {
        var out = JSONWriter(capacity: 512 + nodes.count * 420)
        out.open("{")
        out.field("generatedAtMs", generatedAtMs)
        out.key("nodes")
        out.open("[")
        for node in nodes { node.write(to: &out) }
        out.close("]")
        out.key("summary")
        out.open("{")
        out.key("levels")
        out.open("[")
        for level in summary.levels {
            out.open("{")
            out.field("lagging", level.lagging)
            out.field("level", level.level)
            out.field("never", level.never)
            out.field("offline", level.offline)
            out.field("realtime", level.realtime)
            out.field("stale", level.stale)
            out.field("total", level.total)
            out.close("}")
        }
        out.close("]")
        out.field("text", summary.text)
        out.close("}")
        out.key("thresholds")
        out.open("{")
        out.field("offlineAfterMs", thresholds.offlineAfterMs)
        out.field("realtimeWithinMs", thresholds.realtimeWithinMs)
        out.field("staleAfterMs", thresholds.staleAfterMs)
        out.close("}")
        out.close("}")
        return out.bytes
    }
}

extension NodeStatus {
    /// The UTF-8 JSON text of one node's status (`GET /v1/nodes/{id}`).
    public func jsonBytes() -> [UInt8] {
        var out = JSONWriter(capacity: 512)
        write(to: &out)
        return out.bytes
    }

    /// Keys in sorted order, as `JSONEncoder` with `.sortedKeys` writes them.
    func write(to out: inout JSONWriter) {
        out.open("{")
        out.field("backlog", backlog)
        out.field("changesApplied", changesApplied)
        out.field("clockOffsetMs", clockOffsetMs)
        out.field("conflicts", conflicts)
        out.field("dataAgeMs", dataAgeMs)
        out.field("downlinkCursor", downlinkCursor)
        out.field("downlinkLag", downlinkLag)
        out.field("held", held ?? 0)
        out.field("highWater", highWater)
        out.field("id", id)
        out.field("lastContactMs", lastContactMs)
        out.field("lastError", lastError)
        out.field("lastErrorAtMs", lastErrorAtMs)
        out.field("lastPullMs", lastPullMs)
        out.field("level", level)
        out.field("name", name)
        out.field("parent", parent)
        out.field("protocolVersion", protocolVersion)
        out.field("quarantined", quarantined)
        out.field("rejectedBatches", rejectedBatches)
        out.field("rejectedChanges", rejectedChanges)
        out.field("state", state.rawValue)
        out.close("}")
    }
}

/// An append-only UTF-8 JSON buffer: objects and arrays opened and closed in order, commas placed for the
/// caller, keys given as literals that need no escaping.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    /// True after a complete value, so the next value or key needs a comma before it.
    private var needsComma = false

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    /// `{` or `[`, as a value of its own.
    mutating func open(_ bracket: Unicode.Scalar) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: bracket))
        needsComma = false
    }

    /// `}` or `]`.
    mutating func close(_ bracket: Unicode.Scalar) {
        bytes.append(UInt8(ascii: bracket))
        needsComma = true
    }

    /// `"name":`, the value follows.
    mutating func key(_ name: StaticString) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: "\":".utf8)
        needsComma = false
    }

    mutating func field(_ name: StaticString, _ value: String?) {
        key(name)
        if let value { JSONText.appendQuoted(value, to: &bytes) } else { bytes.append(contentsOf: "null".utf8) }
        needsComma = true
    }

    mutating func field(_ name: StaticString, _ value: (some BinaryInteger)?) {
        key(name)
        if let value, let small = Int64(exactly: value) {
            JSONText.appendDecimal(small, to: &bytes)
        } else if let value {
            bytes.append(contentsOf: String(value).utf8)  // a UInt64 above Int64.max
        } else {
            bytes.append(contentsOf: "null".utf8)
        }
        needsComma = true
    }
}
