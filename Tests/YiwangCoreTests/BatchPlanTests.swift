import Testing
import YiwangCore

/// The hub's rules for a batch's changes (`BatchPlan`), without a store.
@Suite struct BatchPlanTests {
    @Test func consecutiveNewChangesAreAppliedAndTheHighWaterFollows() throws {
        let plan = try Plan.plan(Plan.batch(Plan.changes(count: 3)))
        #expect(Plan.words(plan) == ["applied", "applied", "applied"])
        #expect(plan.decisions.map(\.change.seq) == [1, 2, 3])
        #expect(plan.decisions.allSatisfy { $0.sequenceDigest == nil })  // their apply entries hold them
        #expect(plan.decisions.allSatisfy { !$0.releasesHeld })
        #expect(plan.ack == SyncAck(highWater: 3, expectedSeq: nil, rejected: [], hubClockMs: Plan.now))
        #expect(plan.releaseThrough == 3)
        #expect((plan.applied, plan.duplicates, plan.conflicts) == (3, 0, 0))
        #expect(plan.node.highWater == 3 && plan.node.changesApplied == 3)
        #expect(plan.node.lastContactMs == Plan.now)
    }

    @Test func aGapAppliesNothingAndNamesTheExpectedSequence() throws {
        let node = Plan.bookkeeping(highWater: 2)
        let plan = try Plan.plan(Plan.batch(Plan.changes(from: 5, count: 2)), node: node)
        #expect(plan.decisions.isEmpty)
        #expect(plan.ack == SyncAck(highWater: 2, expectedSeq: 3, rejected: [], hubClockMs: Plan.now))
        #expect(plan.releaseThrough == nil)  // nothing moved: nothing to release
        #expect(plan.node.highWater == 2 && plan.node.lastContactMs == Plan.now)
        #expect(plan.applied == 0)
    }

    @Test func theNextSequenceIsNoGapAndAFreshStartAtOneIsNone() throws {
        #expect(
            try Plan.plan(Plan.batch(Plan.changes(from: 3, count: 1)), node: Plan.bookkeeping(highWater: 2))
                .ack.expectedSeq == nil)
        #expect(
            try Plan.plan(Plan.batch(Plan.changes(count: 4)), node: Plan.bookkeeping(highWater: 3)).ack.highWater == 4)
    }

    @Test func resentSequencesAreDuplicatesWhenTheHubRecordedTheSameContent() throws {
        let changes = Plan.changes(count: 4)
        let records: [UInt64: SequenceRecord] = [
            1: .digest(SequenceDigest.of(changes[0].version)), 2: .version(AppliedDetail(changes[1].version)),
        ]
        let plan = try Plan.plan(
            Plan.batch(changes), node: Plan.bookkeeping(highWater: 3),
            prefetched: BatchPrefetch(resentRecords: records))
        // Seq 3: nothing the hub can find under it (its entry archived and pruned): refused, the node re-issues.
        #expect(Plan.words(plan) == ["duplicate", "duplicate", "refuse:sequence_reused", "applied"])
        #expect(plan.decisions.allSatisfy { $0.sequenceDigest == nil })
        #expect((plan.applied, plan.duplicates) == (1, 2))
        #expect(plan.ack.highWater == 4 && plan.ack.rejected.map(\.seq) == [3])
    }

    /// Written (now - 1 s) before the oldest journal entry the hub keeps: its own entry was pruned; a resend.
    @Test(arguments: [(Plan.now - 500, "duplicate"), (Plan.now - 1_000, "refuse:sequence_reused")])
    func aSequenceWithNothingRecordedIsADuplicateOnlyWhenWrittenBeforeTheJournal(startMs: Int64, word: String)
        throws
    {
        let plan = try Plan.plan(
            Plan.batch(Plan.changes(count: 1)), node: Plan.bookkeeping(highWater: 1),
            prefetched: BatchPrefetch(journalStartMs: startMs))
        #expect(Plan.words(plan) == [word])
    }

    @Test(arguments: [false, true])
    func aResentSequenceWithOtherContentIsRefusedAsReused(asDigest: Bool) throws {
        let changes = Plan.changes(count: 2)
        let other = Plan.version(Plan.node, 2, key: "other", value: #"{"n":9}"#)
        let recorded: SequenceRecord = asDigest ? .digest(SequenceDigest.of(other)) : .version(AppliedDetail(other))
        let plan = try Plan.plan(
            Plan.batch(changes), node: Plan.bookkeeping(highWater: 2),
            prefetched: BatchPrefetch(resentRecords: [1: .version(AppliedDetail(changes[0].version)), 2: recorded]))
        #expect(Plan.words(plan) == ["duplicate", "refuse:sequence_reused"])
        #expect(plan.ack.rejected.map(\.seq) == [2])
        #expect(plan.ack.rejected.first?.message.contains("above 2") == true)
        #expect(plan.node.rejectedChanges == 1 && plan.node.highWater == 2)
        #expect(plan.node.lastError?.hasPrefix("sequence_reused: ") == true)
        #expect(plan.node.lastError?.hasSuffix("(seq 2)") == true)
        #expect(plan.decisions[1].sequenceDigest == nil)  // the hub keeps what it recorded first
    }

    @Test func aAppliedDetailDiffersInEachFieldItKeeps() {
        let base = Plan.version(Plan.node, 2, key: "a")
        var edits: [Version] = []
        for edit in 0..<5 {
            var changed = base
            switch edit {
            case 0: changed.actor += "x"
            case 1: changed.hlc = HLCTimestamp(wallMs: base.hlc.wallMs + 1)
            case 2: changed.vector = VersionVector([Plan.node: 2, Plan.other: 1])
            case 3: changed.value = #"{"n":3}"#
            default:
                changed.operation = .delete
                changed.value = nil
            }
            edits.append(changed)
        }
        let recorded = SequenceRecord.version(AppliedDetail(base))
        #expect(recorded.matches(base))
        #expect(edits.allSatisfy { !recorded.matches($0) })
    }

    @Test func aSequenceTwiceInOneBatchIsJudgedAgainstItsFirstContent() throws {
        let first = Plan.version(Plan.node, 1, key: "a")
        let same = try Plan.plan(Plan.batch([Plan.change(first), Plan.change(first)]))
        #expect(Plan.words(same) == ["applied", "duplicate"])
        let other = Plan.change(Plan.version(Plan.node, 1, key: "b"))
        let reused = try Plan.plan(Plan.batch([Plan.change(first), other]))
        #expect(Plan.words(reused) == ["applied", "refuse:sequence_reused"])
    }

    @Test func takingStopsAtTheFirstSequenceThatIsNotConsecutive() throws {
        let changes = Plan.changes(count: 2) + Plan.changes(from: 4, count: 2)
        let report = Plan.report(backlog: 9, oldestPendingMs: Plan.now - 5_000, oldestAfterBatchMs: Plan.now - 1_000)
        let plan = try Plan.plan(Plan.batch(changes, report: report))
        #expect(plan.decisions.map(\.change.seq) == [1, 2])
        #expect(plan.ack.highWater == 2 && plan.ack.expectedSeq == nil)
        #expect(plan.node.backlog == 7)
        #expect(plan.node.oldestPendingMs == Plan.now - 5_000)  // the rest is still pending at the node
    }

    /// Each refusal, alone in the middle of a batch: recorded, passed by the high water, never blocking seq 3.
    @Test(
        arguments: [
            ("ungranted dataset", "unknown_dataset"),
            ("another node's change", "forbidden"),
            ("clock too far ahead", "clock_ahead"),
            ("empty key", "invalid_field"),
            ("value not a JSON object", "invalid_field"),
            ("actor empty", "invalid_field"),
            ("vector node id invalid", "invalid_field"),
            ("no entry for its origin", "invalid_vector"),
            ("own entry is not its sequence", "invalid_vector"),
            ("counts the hub", "invalid_vector"),
            ("counts a node outside the topology", "invalid_vector"),
            ("vector goes backwards", "invalid_vector"),
        ])
    func eachRefusalIsRecordedAloneAndNeverBlocksTheRest(_ problem: String, _ code: String) throws {
        var bad = Plan.version(Plan.node, 2, key: "bad")
        var states = RecordStates()
        var highWaters: [String: UInt64] = [:]
        switch problem {
        case "ungranted dataset": bad.dataset = "finance"
        case "another node's change":
            bad.origin = Plan.other
            bad.vector = VersionVector([Plan.other: 2])
        case "clock too far ahead": bad.hlc = HLCTimestamp(wallMs: Plan.now + Plan.limits.maxClockAheadMs + 1)
        case "empty key": bad.key = ""
        case "value not a JSON object": bad.value = "[1, 2"
        case "actor empty": bad.actor = ""
        case "vector node id invalid": bad.vector = VersionVector([Plan.node: 2, "bad id!": 1])
        case "no entry for its origin": bad.vector = VersionVector([Plan.other: 1])
        case "own entry is not its sequence": bad.vector = VersionVector([Plan.node: 7])
        case "counts the hub": bad.vector = VersionVector([Plan.node: 2, Plan.hub: 1])
        case "counts a node outside the topology": bad.vector = VersionVector([Plan.node: 2, "439999": 1])
        default:  // the hub saw counter 5 of this node for the record (a restored node reusing counters)
            states[dataset: "population", key: "bad"] = RecordState(
                single: Plan.version(Plan.node, 5, key: "bad", extra: [Plan.other: 1]))
            bad.vector = VersionVector([Plan.node: 2, Plan.far: 1])  // not covered; far@1 is held
            highWaters[Plan.far] = 1
        }
        let changes = [Plan.changes(count: 1)[0], Change(seq: 2, version: bad), Plan.changes(from: 3, count: 1)[0]]
        let plan = try Plan.plan(
            Plan.batch(changes), prefetched: BatchPrefetch(records: states, highWaters: highWaters))
        #expect(Plan.words(plan) == ["applied", "refuse:\(code)", "applied"], "\(problem)")
        #expect(plan.ack.rejected.map(\.seq) == [2])
        #expect(plan.ack.rejected.first?.error == code)
        #expect(plan.ack.highWater == 3)
        #expect(plan.decisions[1].sequenceDigest != nil)  // the hub holds seq 2 (refused): a resend is judged
        #expect(plan.node.rejectedChanges == 1 && plan.node.changesApplied == 2)
        #expect(plan.node.lastError?.hasPrefix("\(code): ") == true)
    }

    @Test func aClockExactlyAtTheLimitIsAccepted() throws {
        let version = Plan.version(Plan.node, 1, hlc: Plan.now + Plan.limits.maxClockAheadMs)
        #expect(Plan.words(try Plan.plan(Plan.batch([Plan.change(version)]))) == ["applied"])
    }

    @Test func aVectorCountingAnotherNodeBeyondItsHighWaterIsHeldBack() throws {
        let version = Plan.version(Plan.node, 1, hlc: Plan.now - 60_000, extra: [Plan.other: 5])
        var node = Plan.bookkeeping()
        node.clockOffsetMs = 0
        let report = Plan.report(backlog: 1, clockMs: Plan.now + 10_000)  // the node's clock 10 s ahead
        let plan = try Plan.plan(
            Plan.batch([Plan.change(version)], report: report), node: node,
            prefetched: BatchPrefetch(highWaters: [Plan.other: 4]))
        #expect(Plan.words(plan) == ["hold:430200@5"])
        guard case .hold(let held) = plan.decisions[0].action else { return }
        #expect(try VersionListCodec.decode(held.encoded) == [version])
        #expect(held.dataMs == Plan.now - 70_000)  // the node's time in the hub's clock
        #expect(plan.ack.highWater == 1 && plan.ack.rejected.isEmpty)
        #expect(plan.applied == 0 && plan.node.changesApplied == 0)
        #expect(plan.node.lastError?.hasPrefix(BatchPlan.heldBackNote) == true)
        #expect(plan.node.lastError?.contains("'430200' at 5") == true)
        // At the high water it merges.
        let merged = try Plan.plan(
            Plan.batch([Plan.change(version)]), prefetched: BatchPrefetch(highWaters: [Plan.other: 5]))
        #expect(Plan.words(merged) == ["applied"])
    }

    @Test func aHeldChangeNeverStartsItsDataAgeAfterNow() throws {
        let version = Plan.version(Plan.node, 1, hlc: Plan.now + 60_000, extra: [Plan.other: 1])
        let plan = try Plan.plan(Plan.batch([Plan.change(version)]))
        guard case .hold(let held) = plan.decisions[0].action else {
            Issue.record("expected a hold, got \(Plan.words(plan))")
            return
        }
        #expect(held.dataMs == Plan.now)
    }

    @Test func holdsAreBoundedPerNodeByCountAndBytesWithinTheBatchToo() throws {
        let versions = (1...3).map { Plan.version(Plan.node, UInt64($0), key: "h\($0)", extra: [Plan.other: 9]) }
        let byCount = try Plan.plan(
            Plan.batch(versions.map { Plan.change($0) }),
            prefetched: BatchPrefetch(heldUsage: HeldUsage(count: Plan.limits.maxHeldPerNode - 2, bytes: 0)))
        #expect(Plan.words(byCount) == ["hold:430200@9", "hold:430200@9", "refuse:held_limit"])
        #expect(byCount.ack.rejected.first?.message.contains("\(Plan.limits.maxHeldPerNode) changes") == true)

        let encoded = VersionListCodec.encode([versions[0]]).count
        let full = Plan.limits.maxHeldBytesPerNode - encoded
        let byBytes = try Plan.plan(
            Plan.batch([Plan.change(versions[0])]),
            prefetched: BatchPrefetch(heldUsage: HeldUsage(count: 0, bytes: full)))
        #expect(Plan.words(byBytes) == ["hold:430200@9"])  // exactly at the bound
        let over = try Plan.plan(
            Plan.batch([Plan.change(versions[0])]),
            prefetched: BatchPrefetch(heldUsage: HeldUsage(count: 0, bytes: full + 1)))
        #expect(Plan.words(over) == ["refuse:held_limit"])
    }

    @Test(arguments: [("population", "lww"), ("social_security", "siblings")])
    func concurrentVersionsAreConflictsResolvedByTheDatasetsPolicy(_ dataset: String, _ resolution: String) throws {
        let theirs = Plan.version(Plan.other, 1, dataset: dataset, hlc: Plan.now - 10)
        let ours = Plan.version(Plan.node, 1, dataset: dataset, hlc: Plan.now - 5)
        let plan = try Plan.plan(
            Plan.batch([Plan.change(ours)]), prefetched: BatchPrefetch(records: Plan.states(theirs)))
        #expect(Plan.words(plan) == ["conflict"])
        guard case .merge(.conflict(let state, let records)) = plan.decisions[0].action else { return }
        #expect(records.map(\.resolution.rawValue) == [resolution])
        #expect(records.first?.winner == ours)  // the higher HLC
        #expect(state.vector == VersionVector([Plan.node: 1, Plan.other: 1]))
        #expect(state.visible.count == (resolution == "siblings" ? 2 : 1))
        #expect((plan.applied, plan.conflicts, plan.node.conflicts, plan.node.changesApplied) == (1, 1, 1, 1))
    }

    @Test func aDatasetWithoutAPolicyMergesAsLastWriterWins() throws {
        let theirs = Plan.version(Plan.other, 1, dataset: "education", hlc: Plan.now - 10)
        let ours = Plan.version(Plan.node, 1, dataset: "education", hlc: Plan.now - 20)
        let plan = try Plan.plan(
            Plan.batch([Plan.change(ours)]), prefetched: BatchPrefetch(records: Plan.states(theirs)))
        guard case .merge(.conflict(let state, let records)) = plan.decisions[0].action else {
            Issue.record("expected a conflict, got \(Plan.words(plan))")
            return
        }
        #expect(records.first?.resolution == .lastWriterWins && state.visible == [theirs])
    }

    @Test func aVersionTheHubAlreadyCoversIsObsolete() throws {
        // The hub holds a version that counted this node at 1 (relayed, or released from a hold).
        let seen = Plan.version(Plan.other, 3, extra: [Plan.node: 1])
        let plan = try Plan.plan(
            Plan.batch([Plan.change(Plan.version(Plan.node, 1))]), prefetched: BatchPrefetch(records: Plan.states(seen))
        )
        #expect(Plan.words(plan) == ["obsolete"])
        #expect((plan.applied, plan.duplicates, plan.node.changesApplied) == (0, 1, 0))
        #expect(plan.ack.highWater == 1 && plan.ack.rejected.isEmpty)
    }

    @Test func aKeyWrittenTwiceInOneBatchMergesTheSecondOverTheFirst() throws {
        let first = Plan.version(Plan.node, 1, key: "same")
        let second = Plan.version(Plan.node, 2, key: "same", hlc: Plan.now)
        let plan = try Plan.plan(Plan.batch([Plan.change(first), Plan.change(second)]))
        #expect(Plan.words(plan) == ["applied", "applied"])
        guard case .merge(.applied(let state, let superseded)) = plan.decisions[1].action else { return }
        #expect(state.visible == [second] && superseded == [first])
    }

    @Test func aSkipMarkWithChangesIsNoBatchAnyDecoderBuilds() {
        let batch = Plan.batch(Plan.changes(count: 1), skip: SkipMark(reason: "x"))
        #expect(throws: YiwangError.self) { try Plan.plan(batch) }
    }
}
