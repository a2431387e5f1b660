import YiwangCore

/// The feed position a node's cursor must reach before a tombstone may be purged (`TombstonePurge`, condition
/// (a)): the one place that maps a record's journal entry to a feed position. The record's newest journal entry
/// (`records.last_audit`) is at or after the delete that made the tombstone, so its position is an upper bound of
/// the delete's: the rule can only get stricter, never purge early. It is capped at the feed's head: a newest
/// entry that is no feed version (a conflict entry after the apply) would otherwise lie past every cursor, and a
/// cursor at the head has had every feed version of the record.
enum TombstoneFeedPosition {
    static func position(ofNewestEntry seq: Int64, _ positions: FeedPositions, head: Int64) -> Int64 {
        min(positions.position(ofSeq: seq), head)
    }
}
