import Testing
import YiwangCore

/// A city's rules for a county's upload (`RelayIntake`), and the subtree that authenticates the county
/// (`RelaySubtree`): pure values, no store.
@Suite struct RelayIntakeTests {
    static let county = Plan.node  // 430100 stands for the county here
    static let rules = Plan.rules(grants: ["population"])

    static func intake(
        _ batch: SyncBatch, origin: RelayOrigin = RelayOrigin(), held: [UInt64: Version] = [:]
    ) throws -> RelayIntake {
        try RelayIntake(batch: batch, county: county, origin: origin, held: held, rules: rules)
    }

    static func words(_ intake: RelayIntake) -> [String] {
        intake.entries.map {
            switch $0 {
            case .change(let change): "change:\(change.seq)"
            case .refused(let change, let error): "refused:\(change.seq):\(error.code)"
            case .skip(let seq, _): "skip:\(seq)"
            }
        }
    }

    @Test func newChangesAreTakenAndAcknowledgedWithWhatTheProvinceHolds() throws {
        let intake = try Self.intake(
            Plan.batch(Plan.changes(count: 3)), origin: RelayOrigin(highWater: 0, heldThrough: 0))
        #expect(Self.words(intake) == ["change:1", "change:2", "change:3"])
        #expect(intake.origin == RelayOrigin(highWater: 3, heldThrough: 0))
        #expect(intake.ack.highWater == 3 && intake.ack.heldThrough == 0 && intake.ack.expectedSeq == nil)
        #expect(intake.ack.rejected.isEmpty && intake.ack.hubClockMs == Plan.now)
    }

    @Test func aResendIsHarmlessAndADifferentContentUnderAHeldSequenceIsRefused() throws {
        let changes = Plan.changes(count: 3)
        let held = Dictionary(uniqueKeysWithValues: changes.map { ($0.seq, $0.version) })
        let origin = RelayOrigin(highWater: 3, heldThrough: 1)
        let again = try Self.intake(Plan.batch(changes), origin: origin, held: held)
        #expect(again.entries.isEmpty && again.duplicates == 3 && again.origin == origin)
        #expect(again.ack.highWater == 3 && again.ack.heldThrough == 1 && again.ack.rejected.isEmpty)
        // Sequence 1 is no longer stored (the province holds it): a duplicate. Sequence 2 comes back different.
        var altered = changes
        altered[1].version.value = #"{"n":"other"}"#
        let reused = try Self.intake(Plan.batch(altered), origin: origin, held: [2: held[2]!, 3: held[3]!])
        #expect(reused.entries.isEmpty && reused.duplicates == 2)
        #expect(reused.ack.rejected.map(\.seq) == [2] && reused.ack.rejected[0].error == "sequence_reused")
    }

    @Test func aGapIsAnsweredWithTheExpectedSequenceAndTakesNothing() throws {
        let intake = try Self.intake(Plan.batch(Plan.changes(from: 5, count: 2)), origin: RelayOrigin(highWater: 2))
        #expect(intake.entries.isEmpty)
        #expect(intake.ack.expectedSeq == 3 && intake.ack.highWater == 2 && intake.origin.highWater == 2)
        // The same rule as the hub's.
        #expect(BatchPlan.isGap(firstSeq: 5, highWater: 2) && !BatchPlan.isGap(firstSeq: 3, highWater: 2))
    }

    @Test func aBatchOfAnotherNodeIsRefusedWhole() throws {
        let batch = Plan.batch(Plan.changes(Plan.other, count: 1), from: Plan.other)
        #expect(throws: YiwangError.self) { try Self.intake(batch) }
        do { _ = try Self.intake(batch) } catch let error as YiwangError { #expect(error.code == .forbidden) }
    }

    @Test func aForeignOriginOrAnUngrantedDatasetIsRefusedButStillNumbered() throws {
        let foreign = Change(seq: 1, version: Plan.version(Plan.other, 1, key: "a"))
        let ungranted = Change(seq: 2, version: Plan.version(Self.county, 2, key: "b", dataset: "education"))
        let fine = Change(seq: 3, version: Plan.version(Self.county, 3, key: "c"))
        let intake = try Self.intake(Plan.batch([foreign, ungranted, fine]))
        #expect(Self.words(intake) == ["refused:1:forbidden", "refused:2:unknown_dataset", "change:3"])
        #expect(intake.ack.rejected.map(\.seq) == [1, 2] && intake.ack.highWater == 3)
    }

    @Test func aSkipMarkIsRelayedOnceAndOnlyForTheNextSequence() throws {
        let skip = Plan.batch([], firstSeq: 4, skip: SkipMark(reason: "dropped by clerk"))
        let taken = try Self.intake(skip, origin: RelayOrigin(highWater: 3))
        #expect(Self.words(taken) == ["skip:4"] && taken.ack.highWater == 4)
        let again = try Self.intake(skip, origin: taken.origin)
        #expect(again.entries.isEmpty && again.ack.highWater == 4)
    }

    @Test func hostileNumbersNeverTrap() throws {
        // A batch at the very top of the sequence space, against a high water just below it.
        let top = UInt64.maxStored
        let change = Change(seq: top, version: Plan.version(Self.county, top, key: "top"))
        let intake = try Self.intake(Plan.batch([change]), origin: RelayOrigin(highWater: top - 1))
        #expect(intake.origin.highWater == top)
        // A gap from 0 to the top: the expected sequence is 1.
        #expect(try Self.intake(Plan.batch([change])).ack.expectedSeq == 1)
        // The province's word is clamped, never past what can be stored, and heldThrough never passes highWater.
        let raised = RelayOrigin(highWater: 3).raised(heldThrough: .max)
        #expect(raised.highWater == top && raised.heldThrough == top)
        #expect(RelayOrigin(highWater: 2, heldThrough: 9).heldThrough == 2)
        #expect(RelayOrigin(highWater: 9, heldThrough: 4).raised(heldThrough: 1) == RelayOrigin(highWater: 9, heldThrough: 4))
    }
}

@Suite struct RelaySubtreeTests {
    static func topology() throws -> Topology {
        func node(_ id: String, _ level: String, _ parent: String, _ datasets: [String]) -> Topology.Node {
            Topology.Node(id: id, name: id, level: level, parent: parent, datasets: datasets)
        }
        return try Topology(
            hub: .init(id: "430000", name: "Province"),
            nodes: [
                node("430121", "county", "430100", ["population"]),  // listed before its parent
                node("430100", "city", "430000", ["population", "finance"]),
                node("430122", "county", "430100", ["finance"]),
                node("430199", "village", "430122", []),
                node("430200", "city", "430000", ["population"]),
                node("430221", "county", "430200", ["population"]),
            ],
            policies: ["population": .lww, "finance": .siblings, "education": .lww])
    }
    static let hash = String(repeating: "ab", count: 32)

    @Test func aCityGetsItsDescendantsOnlyInTopologyOrderACountyNone() throws {
        let topology = try Self.topology()
        let credentials = ["430122": [RelaySubtree.Credential(sha256: Self.hash, revokedAtMs: nil)]]
        let city = RelaySubtree.of("430100", in: topology, credentials: credentials)
        #expect(city.nodes.map(\.id) == ["430121", "430122", "430199"])
        #expect(city.nodes[1].credentials.count == 1 && city.nodes[0].credentials.isEmpty)
        #expect(city.policies == ["population": .lww, "finance": .siblings])
        #expect(try city.validated(for: "430100") == city)
        #expect(RelaySubtree.of("430121", in: topology, credentials: credentials).nodes.isEmpty)
    }

    @Test func authenticationComparesHashesAndHonoursRevocation() throws {
        let node = RelaySubtree.Node(
            id: "430121", parent: "430100", datasets: ["population"],
            credentials: [
                .init(sha256: CredentialToken.hash("yw_old"), revokedAtMs: 1_000),
                .init(sha256: CredentialToken.hash("yw_new"), revokedAtMs: nil),
            ])
        let subtree = RelaySubtree(node: "430100", nodes: [node], policies: ["population": .lww])
        #expect(subtree.authenticate(tokenHash: CredentialToken.hash("yw_new"), nowMs: 5_000) == .node(node))
        #expect(subtree.authenticate(tokenHash: CredentialToken.hash("yw_old"), nowMs: 999) == .node(node))
        #expect(subtree.authenticate(tokenHash: CredentialToken.hash("yw_old"), nowMs: 1_000) == .revoked("430121"))
        #expect(subtree.authenticate(tokenHash: CredentialToken.hash("yw_x"), nowMs: 0) == .unknown)
    }

    @Test func aHostileAnswerIsRefusedNamingTheField() throws {
        let good = RelaySubtree.Node(id: "430121", parent: "430100", datasets: ["population"], credentials: [])
        func field(_ subtree: RelaySubtree, for node: String = "430100") -> String? {
            do { _ = try subtree.validated(for: node) } catch { return error.field }
            return nil
        }
        let policies: [String: MergePolicy] = ["population": .lww]
        #expect(field(RelaySubtree(node: "430100", nodes: [good], policies: policies), for: "430200") == "node")
        #expect(field(RelaySubtree(node: "430100", nodes: [good, good], policies: policies)) == "nodes.id")
        var me = good
        me.id = "430100"
        #expect(field(RelaySubtree(node: "430100", nodes: [me], policies: policies)) == "nodes.id")
        #expect(field(RelaySubtree(node: "430100", nodes: [good], policies: [:])) == "policies")
        var badHash = good
        badHash.credentials = [.init(sha256: String(repeating: "AB", count: 32), revokedAtMs: nil)]
        #expect(field(RelaySubtree(node: "430100", nodes: [badHash], policies: policies)) == "nodes.credentials.sha256")
        var badTime = good
        badTime.credentials = [.init(sha256: Self.hash, revokedAtMs: .max)]
        #expect(
            field(RelaySubtree(node: "430100", nodes: [badTime], policies: policies))
                == "nodes.credentials.revokedAtMs")
        var badID = good
        badID.id = "430\u{0}121"
        #expect(field(RelaySubtree(node: "430100", nodes: [badID], policies: policies)) == "nodes.id")
    }
}
