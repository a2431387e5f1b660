import Testing
import YiwangCore

@Suite struct ConnectivityClassifierTests {
    let now: Int64 = 100 * 86_400_000
    let t = ConnectivityThresholds.default
    let second: Int64 = 1_000

    func state(contact: Int64?, dataAsOf: Int64?) -> ConnectivityState {
        ConnectivityClassifier.classify(
            NodeObservation(lastContactMs: contact.map { now - $0 }, dataAsOfMs: dataAsOf.map { now - $0 }),
            nowMs: now, thresholds: t)
    }

    @Test func aNodeWithQuarantinedChangesIsNeverRealtime() {
        let fresh = NodeObservation(lastContactMs: now - second, dataAsOfMs: now - second, quarantined: 1)
        #expect(ConnectivityClassifier.classify(fresh, nowMs: now, thresholds: t) == .lagging)
        let old = NodeObservation(lastContactMs: now - second, dataAsOfMs: now - 2 * 3_600_000, quarantined: 1)
        #expect(ConnectivityClassifier.classify(old, nowMs: now, thresholds: t) == .stale)
    }

    @Test func neverSeenNodesAreNever() {
        #expect(state(contact: nil, dataAsOf: nil) == .never)
    }

    @Test func freshContactAndFreshDataIsRealtime() {
        #expect(state(contact: 2 * second, dataAsOf: 2 * second) == .realtime)
        #expect(state(contact: 30 * second, dataAsOf: 30 * second) == .realtime)
    }

    @Test func behindButInContactIsLagging() {
        #expect(state(contact: 1 * second, dataAsOf: 31 * second) == .lagging)
        #expect(state(contact: 45 * second, dataAsOf: 1 * second) == .lagging)
    }

    @Test func heartbeatsWithATwelveDayOldChangeAreStaleNeverRealtime() {
        let twelveDays: Int64 = 12 * 86_400_000
        #expect(state(contact: 1 * second, dataAsOf: twelveDays) == .stale)
        let observation = NodeObservation(lastContactMs: now - second, dataAsOfMs: now - twelveDays)
        #expect(ConnectivityClassifier.dataAgeMs(observation, nowMs: now) == twelveDays)
    }

    @Test func silenceBeyondOfflineAfterIsOfflineEvenWithOldData() {
        #expect(state(contact: 301 * second, dataAsOf: 301 * second) == .offline)
        #expect(state(contact: 6 * 3_600 * second, dataAsOf: 12 * 86_400_000) == .offline)
    }

    @Test func everyTransitionOfANodeThatGoesQuietAndComesBack() {
        // Contact and data both stop at time 0; walk the clock forward.
        let path = [0, 31, 301, 3_601].map { state(contact: $0 * second, dataAsOf: $0 * second) }
        #expect(path == [.realtime, .lagging, .offline, .offline])
        // It reconnects but still has an hour-old backlog: stale, then lagging while it drains, then realtime.
        #expect(state(contact: 0, dataAsOf: 3_601 * second) == .stale)
        #expect(state(contact: 0, dataAsOf: 60 * second) == .lagging)
        #expect(state(contact: 0, dataAsOf: 0) == .realtime)
    }

    @Test func statesSortWorstFirst() {
        #expect(ConnectivityState.allCases.sorted() == [.never, .offline, .stale, .lagging, .realtime])
    }
}

@Suite struct AgeFormatTests {
    @Test(arguments: [
        (nil, "-"), (0, "0ms"), (850, "850ms"), (3_000, "3s"), (119_999, "119s"), (240_000, "4m"),
        (5 * 3_600_000, "5h"), (12 * 86_400_000, "12d"),
    ] as [(Int64?, String)])
    func formatsAgesShortly(ms: Int64?, expected: String) {
        #expect(AgeFormat.short(ms: ms) == expected)
    }
}
