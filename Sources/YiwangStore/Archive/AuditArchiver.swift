import Foundation
import YiwangAPI
import YiwangCore

/// Seals the hub's audit entries older than a cutoff into an archive directory, continuing the chain the
/// directory already holds. Pure of the hub: it reads entries through `Source` (the hub file offline, the
/// hub's API live), so both paths check and write the same way; recording the archive at the hub is the
/// caller's next step, taken only once this returned (the files and the manifest are then durable).
public struct AuditArchiver {
    /// Entries per segment file: ~25 MB of JSON lines at typical detail sizes.
    public static let entriesPerSegment = 100_000
    /// Entries fetched per read.
    public static let pageSize = 5_000

    /// Where the entries come from.
    public struct Source {
        /// Entries from `seq` on, in order, at most `limit` (fewer at the end of the chain).
        public var entries: (_ from: Int64, _ limit: Int) async throws -> [AuditEntry]
        /// The hub's pruned head (entries up to it are gone from the hub; `.empty` when none were).
        public var prunedHead: AuditHead
        /// The hub's archived position: segments past it are still to be recorded.
        public var archivedSeq: Int64

        public init(
            entries: @escaping (Int64, Int) async throws -> [AuditEntry], prunedHead: AuditHead, archivedSeq: Int64
        ) {
            self.entries = entries
            self.prunedHead = prunedHead
            self.archivedSeq = archivedSeq
        }
    }

    /// What a run sealed.
    public struct Run: Sendable {
        public var manifest: AuditArchiveManifest
        /// The segments this run added (empty: nothing older than the cutoff was left to seal).
        public var added: [AuditSegmentInfo]
        public var entries: Int
        /// The directory's segments the hub has not recorded yet: this run's, and any an earlier run wrote but
        /// could not record (the hub was unreachable, the credential refused).
        public var unrecorded: [AuditSegmentInfo]
        public var head: AuditHead { manifest.head }
    }

    public let directory: AuditArchiveDirectory
    public let cutoffMs: Int64
    public var entriesPerSegment = AuditArchiver.entriesPerSegment

    public init(directory: AuditArchiveDirectory, cutoffMs: Int64) {
        self.directory = directory
        self.cutoffMs = cutoffMs
    }

    /// The cutoff for `--before DURATION`: `nowMs` minus the duration, refused when the duration is not one
    /// (`ConfigDuration`), is under a minute (it would seal entries still being written), or reaches before the
    /// Unix epoch (nothing could be older).
    public static func cutoff(before text: String, nowMs: Int64) -> Result<Int64, YiwangError> {
        switch ConfigDuration.milliseconds(text) {
        case .failure(let refusal):
            return .failure(.invalidField("before", "'\(text)' is \(refusal)"))
        case .success(let ms):
            guard ms >= 60_000 else {
                return .failure(.invalidField("before", "'\(text)' is under a minute: entries that recent stay live"))
            }
            let now = Millis.clampWall(nowMs) ?? 0
            guard ms <= now else {
                return .failure(.invalidField("before", "'\(text)' reaches before 1970: no entry can be that old"))
            }
            return .success(now - ms)
        }
    }

    /// Seals every entry after the directory's head whose time is before the cutoff (stopping at the first one
    /// that is not, so the archive stays one prefix of the chain), checking each against the chain as it goes.
    /// Refuses, writing nothing, when the directory's head is not the hub's entry at that seq, when the hub
    /// pruned entries this directory does not hold, or when the hub's chain is broken.
    public func run(_ source: Source) async throws -> Run {
        try directory.prepare()
        var manifest = try directory.manifest() ?? AuditArchiveManifest(archiveID: UUID().uuidString.lowercased())
        let start = manifest.head
        let pruned = source.prunedHead
        guard start.seq >= pruned.seq else {
            throw YiwangError.invalidField(
                "out",
                "this archive ends at seq \(start.seq), but the hub pruned its entries up to seq \(pruned.seq): "
                    + "append to the archive that holds them")
        }
        if start.seq > 0 { try await checkContinues(from: start, source) }
        var verifier = AuditChainVerifier(anchor: start)
        var pending: [AuditEntry] = []
        var added: [AuditSegmentInfo] = []
        var sealed = 0
        var next = start.seq.saturatingAdd(1)
        var reachedCutoff = false
        var segmentPrev = start.hash
        func flush() throws {
            guard let last = pending.last else { return }
            added.append(try directory.writeSegment(pending, prev: segmentPrev))
            segmentPrev = last.hash
            sealed += pending.count
            pending.removeAll(keepingCapacity: true)
        }
        while !reachedCutoff {
            let page = try await source.entries(next, Self.pageSize)
            guard !page.isEmpty else { break }
            for entry in page {
                guard entry.atMs < cutoffMs else {
                    reachedCutoff = true
                    break
                }
                guard verifier.check(entry) else {
                    let problem = verifier.finish().problem.map { "\($0)" } ?? "a broken chain"
                    throw YiwangError.storage(
                        "the hub's audit chain is broken at \(problem); nothing was archived: run audit verify")
                }
                pending.append(entry)
                if pending.count >= entriesPerSegment { try flush() }
            }
            next = verifier.head.seq + 1
        }
        try flush()
        if !added.isEmpty || manifest.segments.isEmpty {
            manifest.segments += added
            try directory.writeManifest(manifest)
        }
        let unrecorded = manifest.segments.filter { $0.lastSeq > source.archivedSeq }
        return Run(manifest: manifest, added: added, entries: sealed, unrecorded: unrecorded)
    }

    /// The directory's head must be the hub's entry at that seq (or its pruned head): else the directory belongs
    /// to another hub, or one of the two chains was rewritten.
    private func checkContinues(from head: AuditHead, _ source: Source) async throws {
        let matches: Bool
        if head.seq == source.prunedHead.seq {
            matches = head.hash == source.prunedHead.hash
        } else {
            let entry = try await source.entries(head.seq, 1).first
            matches = entry?.seq == head.seq && entry?.hash == head.hash
        }
        guard matches else {
            throw YiwangError.invalidField(
                "out",
                "this archive's last head \(head) is not the hub's entry at seq \(head.seq): "
                    + "it belongs to another hub, or a chain was rewritten; nothing was archived")
        }
    }
}
