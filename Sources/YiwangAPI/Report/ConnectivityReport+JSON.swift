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
        out.field("path", strings: path)
        out.field("protocolVersion", protocolVersion)
        out.field("quarantined", quarantined)
        out.field("rejectedBatches", rejectedBatches)
        out.field("rejectedChanges", rejectedChanges)
        out.field("snapshotPages", snapshotPages)
        out.field("snapshotPosition", snapshotPosition)
        out.field("state", state.rawValue)
        out.close("}")
    }
}
