import PropertyBased
import Testing
import YiwangCore

/// Random causal histories: several nodes write and exchange versions of a few keys, each with its own HLC,
/// exactly as replicas do. Every version ever created is then delivered to fresh replicas in random orders,
/// with duplicates, and every replica must end in the same state and digest, losing no version.
@Suite struct ConvergenceTests {
    struct History {
        var versions: [Version] = []
    }

    static func makeHistory(seed: UInt64, nodes: Int = 4, keys: Int = 3, steps: Int = 60) -> History {
        var rng = SplitMix64(seed: seed)
        let names = (0..<nodes).map { "4301\($0)0" }
        var replicas = Array(repeating: [String: RecordState](), count: nodes)
        var clocks = Array(repeating: HybridLogicalClock(), count: nodes)
        var counters = Array(repeating: UInt64(0), count: nodes)
        var wall = Array(repeating: Int64(1_000), count: nodes)
        var history = History()
        for _ in 0..<steps {
            let n = Int.random(in: 0..<nodes, using: &rng)
            wall[n] += Int64.random(in: -5...20, using: &rng)  // skewed, even backwards-stepping wall clocks
            if history.versions.isEmpty || Bool.random(using: &rng) {
                let key = "k\(Int.random(in: 0..<keys, using: &rng))"
                let current = replicas[n][key]
                counters[n] += 1
                let hlc = current.map { try! clocks[n].tick(after: $0.winner.hlc, wallMs: wall[n]) }
                    ?? clocks[n].tick(wallMs: wall[n])
                let op: Operation = Int.random(in: 0..<5, using: &rng) == 0 ? .delete : .put
                let v = Version(
                    dataset: "d", key: key, vector: (current?.vector ?? VersionVector()).setting(names[n], to: counters[n]),
                    hlc: hlc, origin: names[n], actor: "a", operation: op, value: "{\"n\":\(history.versions.count)}")
                history.versions.append(v)
                replicas[n][key] = Merge.merge(v, into: current, policy: .lww).newState ?? current
            } else {
                let v = history.versions.randomElement(using: &rng)!
                _ = try! clocks[n].receive(v.hlc, wallMs: wall[n])
                let current = replicas[n][v.key]
                replicas[n][v.key] = Merge.merge(v, into: current, policy: .lww).newState ?? current
            }
        }
        return history
    }

    struct Replica {
        var states: [String: RecordState] = [:]
        var losers: Set<Version> = []
        var superseded: Set<Version> = []

        mutating func deliver(_ v: Version, policy: MergePolicy) {
            switch Merge.merge(v, into: states[v.key], policy: policy) {
            case .ignored: break
            case .applied(let state, let gone):
                states[v.key] = state
                superseded.formUnion(gone)
            case .conflict(let state, let conflicts):
                states[v.key] = state
                losers.formUnion(conflicts.map(\.loser))
            }
        }

        var digest: DatasetDigest {
            var digest = DatasetDigest()
            for (key, state) in states { digest.add(key: key, state: state) }
            return digest
        }
    }

    static func replay(_ versions: [Version], seed: UInt64, policy: MergePolicy) -> Replica {
        var rng = SplitMix64(seed: seed)
        var deliveries = versions + versions.filter { _ in Int.random(in: 0..<3, using: &rng) == 0 }
        deliveries.shuffle(using: &rng)
        var replica = Replica()
        for v in deliveries { replica.deliver(v, policy: policy) }
        return replica
    }

    @Test(arguments: MergePolicy.allCases)
    func everyDeliveryOrderConvergesToOneState(policy: MergePolicy) async {
        await propertyCheck(count: 200, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            let history = Self.makeHistory(seed: seed)
            let reference = Self.replay(history.versions, seed: seed &+ 1, policy: policy)
            for order in 2..<6 {
                let other = Self.replay(history.versions, seed: seed &+ UInt64(order), policy: policy)
                #expect(other.states == reference.states, "seed \(seed)")
                #expect(other.digest == reference.digest, "seed \(seed)")
            }
        }
    }

    @Test(arguments: MergePolicy.allCases)
    func noVersionIsLost(policy: MergePolicy) async {
        await propertyCheck(count: 200, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            let history = Self.makeHistory(seed: seed)
            let replica = Self.replay(history.versions, seed: seed, policy: policy)
            for v in history.versions {
                let visible = replica.states[v.key]?.visible.contains(v) ?? false
                let dominated = history.versions.contains { $0.key == v.key && v.vector.compare($0.vector) == .before }
                #expect(visible || dominated || replica.losers.contains(v), "seed \(seed): \(v.vector) lost")
            }
        }
    }

    @Test func lastWriterWinsShowsTheGreatestVersionSeen() async {
        await propertyCheck(count: 200, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            let history = Self.makeHistory(seed: seed)
            let replica = Self.replay(history.versions, seed: seed, policy: .lww)
            for (key, state) in replica.states {
                let candidates = history.versions.filter { $0.key == key }
                let greatest = candidates.max { $1.winsOver($0) }
                #expect(state.visible == [greatest!], "seed \(seed)")
                #expect(state.vector == candidates.map(\.vector).reduce(VersionVector()) { $0.joined(with: $1) })
            }
        }
    }

    @Test func hlcFollowsCausality() async {
        await propertyCheck(count: 200, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            let versions = Self.makeHistory(seed: seed).versions
            for a in versions {
                for b in versions where a.key == b.key && a.vector.compare(b.vector) == .before {
                    #expect(a.hlc < b.hlc, "seed \(seed)")
                }
            }
        }
    }
}
