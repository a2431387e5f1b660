import GRDB
import YiwangCore

/// Where feed positions come from. Before the journal (migration `v6-journal`) the feed was a table of its own,
/// `feed`, numbered 1, 2, 3, ...; since then a feed version is the journal (audit) entry that applied it, and its
/// position is that entry's seq shifted to number on above the old table:
/// `position = legacyHead + (seq - journalBase)`, where `legacyHead` is the old table's head and `journalBase`
/// the journal's last seq at the upgrade. Both are 0 on a hub created with the journal (position = seq), and on an
/// upgraded hub every cursor a node holds into the old table still means the same versions: the old table is read
/// up to `legacyHead`, the journal above it. Positions are not dense (a conflict or refusal entry takes a seq),
/// so `head - cursor` counts positions, at least the versions a node has yet to scan.
struct FeedPositions: Sendable, Hashable {
    /// The old `feed` table's head when the journal took over (its rows are positions `1...legacyHead`).
    var legacyHead: Int64
    /// The journal's last seq when it took over: entries up to it have no value and are not feed versions.
    var journalBase: Int64

    /// The position of journal entry `seq` (an entry at or below `journalBase` maps to `legacyHead`); saturating.
    func position(ofSeq seq: Int64) -> Int64 {
        legacyHead.saturatingAdd(max(0, seq.saturatingSubtract(journalBase)))
    }

    /// The journal seq at `position`: entries after it are the feed after `position` (a position inside the old
    /// table maps to `journalBase`); saturating.
    func seq(atPosition position: Int64) -> Int64 {
        journalBase.saturatingAdd(max(0, position.saturatingSubtract(legacyHead)))
    }
}

extension FeedPositions {
    /// The old feed table's head when the journal took over (`FeedPositions.legacyHead`).
    static let legacyHeadMark = JournalMarks.Name(rawValue: "feed_legacy_head")
    /// The journal's last seq when it took over (`FeedPositions.journalBase`).
    static let journalBaseMark = JournalMarks.Name(rawValue: "feed_journal_base")

    /// Reads the positions' origin, as the upgrade stored it.
    static func load(_ db: Database) throws -> FeedPositions {
        FeedPositions(
            legacyHead: try JournalMarks.get(db, legacyHeadMark),
            journalBase: try JournalMarks.get(db, journalBaseMark))
    }

    /// Stores the origin at the upgrade: the old table's head and the journal's last seq, once.
    static func record(_ db: Database) throws {
        let legacyHead = try Int64.fetchOne(db, sql: "SELECT max(hub_seq) FROM feed") ?? 0
        let journalBase = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM audit") ?? 0
        try JournalMarks.advance(db, legacyHeadMark, to: legacyHead)
        try JournalMarks.advance(db, journalBaseMark, to: journalBase)
    }
}
