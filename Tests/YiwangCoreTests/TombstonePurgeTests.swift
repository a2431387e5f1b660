import Testing
import YiwangCore

/// `TombstonePurge`: a delete's tombstone goes only when every node that may hold the record has pulled past
/// it and the hub holds everything that node wrote before that pull, and never ahead of the journal horizon.
@Suite struct TombstonePurgeTests {
    static let city = "430100"
    static let county = "430121"
    static let otherCity = "430200"
    static let grants: [String: Set<String>] = [
        city: ["population", "social_security"], otherCity: ["population", "social_security"], county: ["population"],
    ]

    /// A node that pulled from `cursor` at 1,000 and whose changes the hub holds up to `dataAsOf`.
    static func node(_ id: String, cursor: Int64? = 100, dataAsOf: Int64? = 2_000, held: Int64? = nil)
        -> TombstonePurge.NodeView
    {
        TombstonePurge.NodeView(
            id: id, cursor: cursor, lastPullMs: cursor == nil ? nil : 1_000, dataAsOfMs: dataAsOf, oldestHeldMs: held)
    }

    static func rule(_ seen: [TombstonePurge.NodeView], horizon: Int64 = 50, head: Int64 = 100) -> TombstonePurge {
        TombstonePurge(grants: grants, seen: seen, horizonSeq: horizon, feedHead: head)
    }

    static func tombstone(dataset: String = "population", seq: Int64? = 40, position: Int64 = 80)
        -> TombstonePurge.Tombstone
    {
        TombstonePurge.Tombstone(dataset: dataset, key: "person-1", journalSeq: seq, feedPosition: position)
    }

    @Test func everyHolderPastItWithItsChangesHeldPurges() {
        let rule = Self.rule([Self.node(Self.city), Self.node(Self.otherCity), Self.node(Self.county, cursor: 80)])
        #expect(rule.verdict(for: Self.tombstone()) == .purge)
    }

    @Test(arguments: [
        (Int64?.none, Int64(50)), (Int64?.some(51), Int64(50)), (Int64?.some(40), Int64(0)),
        (Int64?.some(0), Int64(50)),
        (Int64?.some(-5), Int64(50)), (Int64?.some(Int64.max), Int64(Int64.max - 1)),
    ])
    func aTombstoneNewerThanTheHorizonOrOfUnknownPlaceStays(seq: Int64?, horizon: Int64) {
        let rule = Self.rule([Self.node(Self.city)], horizon: horizon)
        #expect(rule.verdict(for: Self.tombstone(seq: seq)) == .keep(.newerThanHorizon))
    }

    @Test func theLastJournalSeqAtTheHorizonAndExtremeHorizonsPurge() {
        #expect(Self.rule([], horizon: 40).verdict(for: Self.tombstone(seq: 40)) == .purge)
        #expect(Self.rule([], horizon: .max).verdict(for: Self.tombstone(seq: .max)) == .purge)
    }

    @Test func aCountyWhoseCursorIsBehindBlocksIt() {
        let rule = Self.rule([Self.node(Self.city), Self.node(Self.county, cursor: 79)])
        #expect(rule.verdict(for: Self.tombstone()) == .keep(.notPulled(node: Self.county)))
    }

    @Test func aNodeThatUploadedButNeverPulledBlocksIt() {
        let rule = Self.rule([Self.node(Self.city), Self.node(Self.county, cursor: nil)])
        #expect(rule.verdict(for: Self.tombstone()) == .keep(.notPulled(node: Self.county)))
    }

    @Test func aNodeWhoseChangesUpToItsPullAreNotAllAtTheHubBlocksIt() {
        // Pulled at 1,000; the hub holds its changes only up to 999: an edit made before it saw the delete may be
        // on its way, and without the tombstone it would come back as a live record.
        let behind = Self.rule([Self.node(Self.city), Self.node(Self.county, dataAsOf: 999)])
        #expect(behind.verdict(for: Self.tombstone()) == .keep(.changesNotHeld(node: Self.county)))
        let exactly = Self.rule([Self.node(Self.city), Self.node(Self.county, dataAsOf: 1_000)])
        #expect(exactly.verdict(for: Self.tombstone()) == .purge)
        // Pulled, never uploaded: what it wrote is unknown.
        let unknown = Self.rule([Self.node(Self.county, dataAsOf: nil)])
        #expect(unknown.verdict(for: Self.tombstone()) == .keep(.changesNotHeld(node: Self.county)))
    }

    @Test func theMarginForTheClocksIsHonouredAndSaturates() {
        let seen = [Self.node(Self.county, dataAsOf: 1_999)]
        let rule = TombstonePurge(grants: Self.grants, seen: seen, horizonSeq: 50, feedHead: 100, marginMs: 1_000)
        #expect(rule.verdict(for: Self.tombstone()) == .keep(.changesNotHeld(node: Self.county)))
        let enough = [Self.node(Self.county, dataAsOf: 2_000)]
        #expect(
            TombstonePurge(grants: Self.grants, seen: enough, horizonSeq: 50, feedHead: 100, marginMs: 1_000)
                .verdict(for: Self.tombstone()) == .purge)
        let latest = [TombstonePurge.NodeView(id: Self.county, cursor: 100, lastPullMs: .max, dataAsOfMs: .max)]
        #expect(
            TombstonePurge(grants: Self.grants, seen: latest, horizonSeq: 50, feedHead: 100, marginMs: .max)
                .verdict(for: Self.tombstone()) == .purge)
    }

    @Test func aChangeHeldBackFromBeforeThePullBlocksIt() {
        let held = Self.rule([Self.node(Self.county, held: 500)])
        #expect(held.verdict(for: Self.tombstone()) == .keep(.changesNotHeld(node: Self.county)))
        let heldLater = Self.rule([Self.node(Self.county, held: 1_500)])
        #expect(heldLater.verdict(for: Self.tombstone()) == .purge)
    }

    @Test func nodesThatCannotHoldTheRecordDoNotBlock() {
        let rule = Self.rule([
            Self.node(Self.city),
            // Granted population only: a social_security tombstone is none of its business.
            Self.node(Self.county, cursor: 0, dataAsOf: nil),
            // Seen once, no longer in the topology: granted nothing, may pull nothing.
            Self.node("439999", cursor: 0, dataAsOf: nil),
        ])
        #expect(rule.verdict(for: Self.tombstone(dataset: "social_security")) == .purge)
        #expect(rule.verdict(for: Self.tombstone()) == .keep(.notPulled(node: Self.county)))
        // The other city is in the topology but was never seen: it holds nothing and blocks nothing.
        #expect(Self.rule([Self.node(Self.city)]).verdict(for: Self.tombstone()) == .purge)
    }

    @Test func aCursorBeyondTheHeadProvesNothing() {
        // A hub restored from an older copy (or a node that claims too much) will serve that node from 0.
        let rule = Self.rule([Self.node(Self.city, cursor: .max)], head: 100)
        #expect(rule.verdict(for: Self.tombstone()) == .keep(.notPulled(node: Self.city)))
        let atMax = Self.rule([Self.node(Self.city, cursor: .max)], head: .max)
        #expect(atMax.verdict(for: Self.tombstone(position: .max)) == .purge)
    }

    @Test func extremeStoredValuesNeverTrap() {
        let extremes: [TombstonePurge.NodeView] = [
            TombstonePurge.NodeView(
                id: Self.city, cursor: .min, lastPullMs: .min, dataAsOfMs: .min, oldestHeldMs: .min),
            TombstonePurge.NodeView(id: Self.otherCity, cursor: -1, lastPullMs: .max, dataAsOfMs: .max),
            TombstonePurge.NodeView(id: Self.county, cursor: 100, lastPullMs: .max, dataAsOfMs: .min),
        ]
        let rule = Self.rule(extremes, horizon: .max, head: .max)
        // The city's all-minimum row passes a position of Int64.min; the county's data time is before its pull.
        #expect(
            rule.verdict(for: Self.tombstone(seq: .max, position: .min)) == .keep(.changesNotHeld(node: Self.county)))
        #expect(rule.verdict(for: Self.tombstone(seq: 1, position: .max)) == .keep(.notPulled(node: Self.city)))
        let negativeTimes = Self.rule([
            TombstonePurge.NodeView(id: Self.county, cursor: 100, lastPullMs: .min, dataAsOfMs: -1)
        ])
        #expect(negativeTimes.verdict(for: Self.tombstone()) == .purge)
    }

    static func county(served: Set<String>?) -> TombstonePurge.NodeView {
        var view = Self.node(Self.county, cursor: 100)
        view.served = served
        return view
    }

    static func countyRule(granted: Set<String>, _ view: TombstonePurge.NodeView) -> TombstonePurge {
        TombstonePurge(grants: [Self.county: granted], seen: [view], horizonSeq: 50, feedHead: 100)
    }

    @Test func aNodeWhoseLastPullWasNotServedTheDatasetBlocksIt() {
        // Granted population after its last pull, which moved its cursor past the tombstone without it.
        #expect(Self.countyRule(granted: ["population"], Self.county(served: [])).verdict(for: Self.tombstone())
            == .keep(.notPulled(node: Self.county)))
        // Not granted it: none of its business (granted later, the feed sends it to a snapshot first).
        #expect(Self.countyRule(granted: ["social_security"], Self.county(served: ["social_security"]))
            .verdict(for: Self.tombstone()) == .purge)
        // Served it at its last pull; a row from before this was recorded reads as served its grants.
        #expect(Self.countyRule(granted: ["population"], Self.county(served: ["population"]))
            .verdict(for: Self.tombstone()) == .purge)
        #expect(Self.countyRule(granted: ["population"], Self.county(served: nil)).verdict(for: Self.tombstone())
            == .purge)
    }
}
