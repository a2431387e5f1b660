import GRDB
import YiwangCore

/// Where a streamed bulk import's writes come from: read in chunks inside the import's one transaction, so
/// the writes never have to be held in memory all at once (the edge's HTTP route spools them to a file).
public protocol LocalWriteSource: Sendable {
    /// Up to `max` more writes, in order; empty when there are no more.
    func next(max: Int) throws -> [LocalWrite]
}

/// What a bulk import did.
public struct ImportSummary: Sendable, Hashable {
    public var lines = 0
    public var puts = 0
    public var deletes = 0
    /// Deletes of records that did not exist (nothing written).
    public var unchanged = 0
    public var firstSeq: UInt64?
    public var lastSeq: UInt64?
}

extension EdgeStore {
    /// How many writes of an import are read, prefetched and applied at a time.
    static let importChunk = 1_000

    /// Applies every write of `source` all-or-nothing, in ONE durable transaction, reading it a chunk at a
    /// time: memory is bounded by the chunk, not by the import. Any failure (a bad source, a clock too far
    /// ahead, a full disk) rolls the whole import back. Numbered consecutively, like `apply(_:)` with an array.
    public func importAll(_ source: some LocalWriteSource) async throws(YiwangError) -> ImportSummary {
        let summary = try await groupWrite { db in
            var highest = UInt64(clamping: try EdgeMeta.int(db, EdgeMeta.highestSeq) ?? 0)
            let startHighest = highest
            var chain = try OutboxChain.previous(db, before: highest + 1)
            var summary = ImportSummary()
            let now = self.wallClock.nowMs()
            while true {
                let chunk = try source.next(max: Self.importChunk)
                if chunk.isEmpty { break }
                var states = chunk.count > 1 ? try RecordPrefetch(db, keys: chunk.lazy.map { ($0.dataset, $0.key) }) : nil
                for write in chunk {
                    summary.lines += 1
                    guard
                        let version = try self.applyLocal(
                            db, write, seq: highest + 1, nowMs: now, chain: &chain, states: &states)
                    else {
                        summary.unchanged += 1
                        continue
                    }
                    highest += 1
                    if version.operation == .put { summary.puts += 1 } else { summary.deletes += 1 }
                    summary.firstSeq = summary.firstSeq ?? highest
                    summary.lastSeq = highest
                }
            }
            try EdgeMeta.set(db, EdgeMeta.highestSeq, Int64(clamping: highest))
            try PendingCounter.add(db, Int(highest - startHighest))
            try EdgeMeta.set(db, EdgeMeta.lastHLC, self.clock.withLock { $0.last.packed })
            return summary
        }
        if summary.lastSeq != nil { commitBell.ring() }
        return summary
    }
}
