import Testing
import YiwangCore

/// The rule of which upstream a node uses (`UpstreamChoice`), over every event, and what an answer says
/// about its upstream (`UpstreamAnswer`).
@Suite struct UpstreamChoiceTests {
    /// A county with `hub: [city, province]` (or longer), retrying its first choice every 30 s.
    static func choice(_ count: Int = 2) -> UpstreamChoice { UpstreamChoice(count: count, retryFirstMs: 30_000) }

    @Test func startsOnTheFirstChoiceAndStaysWhileItAnswers() {
        var choice = Self.choice()
        #expect(choice.current == 0)
        let moved1 = choice.handle(.answered(upstream: 0), nowMs: 10)
        #expect(moved1 == nil)
        #expect(choice.current == 0)
        #expect(choice.firstChoiceTryAtMs == nil)
        let due1 = choice.takeFirstChoiceTry(nowMs: .max)
        #expect(!due1)
        #expect(choice.msUntilFirstChoiceTry(nowMs: 0) == nil)
    }

    @Test func aFailureOfTheOneInUseMovesToTheNextAndArmsTheRetry() {
        var choice = Self.choice()
        let moved2 = choice.handle(.failed(upstream: 0), nowMs: 1_000)
        #expect(moved2 == 1)
        #expect(choice.current == 1)
        #expect(choice.firstChoiceTryAtMs == 31_000)
        #expect(choice.msUntilFirstChoiceTry(nowMs: 1_000) == 30_000)
    }

    @Test("a failure of an upstream not in use changes nothing (stale, or a second service failing on the same one)")
    func staleFailure() {
        var choice = Self.choice(3)
        choice.handle(.failed(upstream: 0), nowMs: 0)
        let moved3 = choice.handle(.failed(upstream: 0), nowMs: 5)
        #expect(moved3 == nil)  // the downlink's poll, failing late
        #expect(choice.current == 1)
        let moved4 = choice.handle(.failed(upstream: 2), nowMs: 5)
        #expect(moved4 == nil)
        #expect(choice.current == 1)
        #expect(choice.firstChoiceTryAtMs == 30_000)
    }

    @Test func afterTheLastTheFirstAgainAndTheRetryIsDisarmed() {
        var choice = Self.choice(3)
        choice.handle(.failed(upstream: 0), nowMs: 0)
        let moved5 = choice.handle(.failed(upstream: 1), nowMs: 10_000)
        #expect(moved5 == 2)
        #expect(choice.firstChoiceTryAtMs == 30_000, "a fallback's failure does not push the first choice's try back")
        let moved6 = choice.handle(.failed(upstream: 2), nowMs: 20_000)
        #expect(moved6 == 0)
        #expect(choice.current == 0)
        #expect(choice.firstChoiceTryAtMs == nil)
    }

    @Test func aSingleUpstreamStaysWhateverHappens() {
        var choice = Self.choice(1)
        let moved7 = choice.handle(.failed(upstream: 0), nowMs: 0)
        #expect(moved7 == nil)
        #expect(choice.current == 0)
        #expect(choice.firstChoiceTryAtMs == nil)
        let due2 = choice.takeFirstChoiceTry(nowMs: .max)
        #expect(!due2)
    }

    @Test func theFirstChoiceIsTriedOncePerIntervalWhateverTheOutcome() {
        var choice = Self.choice()
        choice.handle(.failed(upstream: 0), nowMs: 0)
        let due3 = choice.takeFirstChoiceTry(nowMs: 29_999)
        #expect(!due3)
        let due4 = choice.takeFirstChoiceTry(nowMs: 30_000)
        #expect(due4)
        let due5 = choice.takeFirstChoiceTry(nowMs: 30_001)
        #expect(!due5, "one try per interval")
        #expect(choice.firstChoiceTryAtMs == 60_000)
        // The try fails: the node stays on its fallback, the next try an interval later.
        let moved8 = choice.handle(.failed(upstream: 0), nowMs: 30_500)
        #expect(moved8 == nil)
        #expect(choice.current == 1)
        #expect(choice.firstChoiceTryAtMs == 60_000)
        let due6 = choice.takeFirstChoiceTry(nowMs: 61_000)
        #expect(due6)
    }

    @Test func theFirstChoiceAnsweringBringsTheNodeBack() {
        var choice = Self.choice()
        choice.handle(.failed(upstream: 0), nowMs: 0)
        let due7 = choice.takeFirstChoiceTry(nowMs: 30_000)
        #expect(due7)
        let moved9 = choice.handle(.answered(upstream: 0), nowMs: 30_010)
        #expect(moved9 == 0)
        #expect(choice.current == 0)
        #expect(choice.firstChoiceTryAtMs == nil)
        let due8 = choice.takeFirstChoiceTry(nowMs: .max)
        #expect(!due8)
        // Leaving it again arms a fresh interval from then.
        choice.handle(.failed(upstream: 0), nowMs: 40_000)
        #expect(choice.firstChoiceTryAtMs == 70_000)
    }

    @Test func anEarlierUpstreamAnsweringIsUsedAndALaterOneIsNot() {
        var choice = Self.choice(3)
        choice.handle(.failed(upstream: 0), nowMs: 0)
        choice.handle(.failed(upstream: 1), nowMs: 0)
        #expect(choice.current == 2)
        let moved10 = choice.handle(.answered(upstream: 1), nowMs: 1)
        #expect(moved10 == 1, "a late answer of a better upstream is used")
        #expect(choice.firstChoiceTryAtMs == 30_000, "still not on the first: its try stays due")
        let moved11 = choice.handle(.answered(upstream: 2), nowMs: 2)
        #expect(moved11 == nil, "a worse one answering changes nothing")
        #expect(choice.current == 1)
    }

    @Test("an index outside the list changes nothing", arguments: [-1, 2, Int.max, Int.min])
    func outsideTheList(_ upstream: Int) {
        var choice = Self.choice()
        let moved12 = choice.handle(.failed(upstream: upstream), nowMs: 0)
        #expect(moved12 == nil)
        let moved13 = choice.handle(.answered(upstream: upstream), nowMs: 0)
        #expect(moved13 == nil)
        #expect(choice.current == 0)
        #expect(choice.firstChoiceTryAtMs == nil)
    }

    @Test("times at their extremes saturate, never trap", arguments: [Int64.max, Int64.min, 0])
    func extremeTimes(_ nowMs: Int64) {
        var choice = UpstreamChoice(count: 2, retryFirstMs: .max)
        choice.handle(.failed(upstream: 0), nowMs: nowMs)
        #expect(choice.current == 1)
        #expect(choice.firstChoiceTryAtMs == nowMs.saturatingAdd(.max))
        let due9 = choice.takeFirstChoiceTry(nowMs: .max)
        #expect(due9)
        #expect(choice.firstChoiceTryAtMs == .max)
        #expect(choice.msUntilFirstChoiceTry(nowMs: .min) == .max)
        #expect(choice.msUntilFirstChoiceTry(nowMs: .max) == 0)
    }

    @Test func hostileSettingsAreBounded() {
        let choice = UpstreamChoice(count: -3, retryFirstMs: -5)
        #expect(choice.count == 1)
        #expect(choice.retryFirstMs == 0)
    }

    @Test(
        "which answers mean the upstream cannot serve the node",
        arguments: [
            (200, false), (204, false), (400, false), (404, false), (409, false), (413, false), (422, false),
            (429, false), (401, true), (403, true), (408, true), (500, true), (502, true), (503, true), (504, true),
            (599, true), (0, true), (-1, true), (Int.max, true),
        ])
    func failureStatuses(_ status: Int, failure: Bool) {
        #expect(UpstreamAnswer.isFailure(status: status) == failure)
    }

    @Test func anUpstreamNamesItselfWithAValidIdOrIsTheLegacyHub() throws {
        #expect(try UpstreamAnswer.id(header: "430100").get() == "430100")
        #expect(try UpstreamAnswer.id(header: nil).get() == UpstreamAnswer.legacyID)
        for hostile in ["", String(repeating: "9", count: 65), "430 100", "(unnamed hub)", "caf\u{e9}", "a/b", "x\n"] {
            #expect(throws: YiwangError.self) { try UpstreamAnswer.id(header: hostile).get() }
        }
        #expect(throws: YiwangError.self) { try Validation.nodeID(UpstreamAnswer.legacyID) }
    }
}
