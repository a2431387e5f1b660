/// When the hub may forget a deleted record (README "Deletes and tombstones"). A tombstone in the hub's
/// `records` is what tells a node that has not yet heard of the delete, and what turns an edit made without
/// seeing the delete into a conflict instead of a resurrection. It may go only when both jobs are done, for
/// every node that may hold the record:
///
/// - (a) the node has pulled the feed past the tombstone's position (its stored cursor is at or after it, and
///   not beyond the feed's head, which no honest cursor is), so it holds the delete itself;
/// - (b) the hub holds every change the node wrote up to that pull (its data time, the earlier of
///   `data_as_of_ms` and its oldest held change, is at or after its last pull, plus a margin for the clocks), so
///   an edit it made before it saw
///   the delete is already at the hub and was merged against the tombstone (a conflict, kept in the log);
///   any edit it makes later has seen the delete, and its vector dominates the tombstone's.
///
/// "May hold the record": a node the topology grants the record's dataset and that the hub has ever seen
/// (uploaded, or pulled). For (a), its last pull must also have been served the dataset: a pull without it
/// (the node was granted it after) moved the cursor past deletes the node never received. A granted node never
/// seen holds nothing of the province's and blocks nothing; when it appears it bootstraps from the records as
/// they are, and so does a node granted a dataset after its cursor, seen or not (the feed sends it to a
/// snapshot, whose pages also delete at the node what the hub purged meanwhile), so a purge while a node was
/// not granted the dataset loses it nothing. A node seen that is not in the topology (any more) is granted
/// nothing and may pull nothing.
///
/// Independently of the nodes, a tombstone whose journal entry is newer than the journal's compaction horizon
/// is kept: the feed still carries it, and a node catching up from the feed must find the record's state
/// consistent with it. Pure: the store reads the inputs and executes the verdicts (`HubStore.purgeTombstones`).
public struct TombstonePurge: Sendable, Hashable {
    /// What the hub has stored about one node, as the rule reads it (hub clock, ms). Every field is as stored:
    /// the rule compares, never computes, so no stored extreme can trap it.
    public struct NodeView: Sendable, Hashable {
        public var id: String
        /// The cursor of the node's last pull (`downlinks.cursor`); nil when it never pulled.
        public var cursor: Int64?
        /// When it last pulled (`downlinks.last_pull_ms`); nil when it never pulled.
        public var lastPullMs: Int64?
        /// Up to when the hub holds all its changes (`nodes.data_as_of_ms`); nil when never known.
        public var dataAsOfMs: Int64?
        /// The data time of its oldest change held back at the hub (`held_changes`), if any.
        public var oldestHeldMs: Int64?
        /// The datasets its last pull was served (`downlinks.served`); nil when not recorded (a row from before
        /// they were, or no pull): taken as its grants.
        public var served: Set<String>?

        public init(
            id: String, cursor: Int64? = nil, lastPullMs: Int64? = nil, dataAsOfMs: Int64? = nil,
            oldestHeldMs: Int64? = nil, served: Set<String>? = nil
        ) {
            self.id = id
            self.cursor = cursor
            self.lastPullMs = lastPullMs
            self.dataAsOfMs = dataAsOfMs
            self.oldestHeldMs = oldestHeldMs
            self.served = served
        }

        /// The time up to which the hub holds (as merged) every change of the node, or nil when unknown.
        var heldThroughMs: Int64? {
            guard let dataAsOfMs else { return nil }
            return oldestHeldMs.map { min($0, dataAsOfMs) } ?? dataAsOfMs
        }
    }

    /// One tombstone the store found (`records` with every visible version a delete).
    public struct Tombstone: Sendable, Hashable {
        public var dataset: String
        public var key: String
        /// The journal (audit) seq of the record's newest entry (`records.last_audit`); nil for a record whose
        /// entries predate the record links: its place in the journal is not known.
        public var journalSeq: Int64?
        /// The feed position of the tombstone (`HubStore`'s one function for it, `TombstoneFeedPosition`): an
        /// upper bound is fine, it only makes the rule stricter.
        public var feedPosition: Int64

        public init(dataset: String, key: String, journalSeq: Int64?, feedPosition: Int64) {
            self.dataset = dataset
            self.key = key
            self.journalSeq = journalSeq
            self.feedPosition = feedPosition
        }
    }

    /// Why a tombstone stays.
    public enum Reason: Sendable, Hashable {
        /// Its journal entry is after the compaction horizon (`compacted_seq`), or its place is unknown.
        case newerThanHorizon
        /// `node` has not pulled the feed past it (or never pulled, or its cursor is beyond the head, or its last
        /// pull was not served the tombstone's dataset).
        case notPulled(node: String)
        /// The hub may not hold all the changes `node` wrote before its last pull.
        case changesNotHeld(node: String)
    }

    public enum Verdict: Sendable, Hashable {
        case purge
        case keep(Reason)
    }

    /// The journal seq through which entries are compacted (`JournalMarks.compactedSeq`; 0: nothing is).
    public var horizonSeq: Int64
    /// The feed's head: a stored cursor beyond it was not given by this feed and proves nothing.
    public var feedHead: Int64
    /// How much later than its pull the node's data time must be, for the error of converting the node's clock
    /// to the hub's (`HubStore` uses `defaultMarginMs`).
    public var marginMs: Int64
    /// One second: far above what a node on NTP, its clock referenced to the hub's, is off by.
    public static let defaultMarginMs: Int64 = 1_000
    /// Per dataset, the nodes that may hold its records, in id order (`served` filled in).
    public private(set) var holders: [String: [NodeView]]

    /// `grants`: each topology node's datasets; `seen`: every node the hub has stored anything about (a `nodes`
    /// or a `downlinks` row), by id. Ids are compared as bytes.
    public init(
        grants: [String: Set<String>], seen: [NodeView], horizonSeq: Int64, feedHead: Int64, marginMs: Int64 = 0
    ) {
        self.horizonSeq = horizonSeq
        self.feedHead = feedHead
        self.marginMs = max(0, marginMs)
        var byID: [ByteKey: NodeView] = [:]
        for view in seen { byID[ByteKey(view.id)] = view }
        var holders: [String: [NodeView]] = [:]
        for node in grants.keys.sorted() {
            guard var view = byID[ByteKey(node)], let granted = grants[node] else { continue }
            view.served = view.served ?? granted
            for dataset in granted { holders[dataset, default: []].append(view) }
        }
        self.holders = holders
    }

    /// Whether `tombstone` may be purged now; the first reason it may not, checked in the order of the doc.
    public func verdict(for tombstone: Tombstone) -> Verdict {
        guard let seq = tombstone.journalSeq, seq > 0, seq <= horizonSeq else { return .keep(.newerThanHorizon) }
        for node in holders[tombstone.dataset] ?? [] {
            // A last pull without the dataset moved the cursor past deletes of it that the node never received.
            guard node.served?.contains(tombstone.dataset) == true else { return .keep(.notPulled(node: node.id)) }
            if let reason = blocking(node, position: tombstone.feedPosition) { return .keep(reason) }
        }
        return .purge
    }

    private func blocking(_ node: NodeView, position: Int64) -> Reason? {
        guard let cursor = node.cursor, let lastPullMs = node.lastPullMs, cursor >= position, cursor <= feedHead
        else { return .notPulled(node: node.id) }
        guard let held = node.heldThroughMs, held >= lastPullMs.saturatingAdd(marginMs) else {
            return .changesNotHeld(node: node.id)
        }
        return nil
    }
}
