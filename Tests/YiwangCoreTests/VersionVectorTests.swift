import PropertyBased
import Testing
import YiwangCore

@Suite struct VersionVectorTests {
    @Test(arguments: [
        ([:], [:], VersionVector.Ordering.equal),
        (["a": 1], [:], .after),
        ([:], ["a": 1], .before),
        (["a": 1, "b": 2], ["a": 1, "b": 2], .equal),
        (["a": 2, "b": 2], ["a": 1, "b": 2], .after),
        (["a": 1], ["a": 1, "b": 1], .before),
        (["a": 2], ["a": 1, "b": 1], .concurrent),
        (["a": 1, "c": 1], ["b": 1], .concurrent),
        (["a": 3, "b": 1], ["a": 1, "b": 3], .concurrent),
        (["x": 5, "y": 5, "z": 5], ["x": 5, "y": 4, "z": 5], .after),
    ] as [([String: UInt64], [String: UInt64], VersionVector.Ordering)])
    func compare(lhs: [String: UInt64], rhs: [String: UInt64], expected: VersionVector.Ordering) {
        #expect(vv(lhs).compare(vv(rhs)) == expected)
        let mirrored: VersionVector.Ordering =
            switch expected {
            case .before: .after
            case .after: .before
            default: expected
            }
        #expect(vv(rhs).compare(vv(lhs)) == mirrored)
    }

    @Test func joinTakesTheElementwiseMaximum() {
        let joined = vv(["a": 3, "b": 1]).joined(with: vv(["b": 4, "c": 2]))
        #expect(joined == vv(["a": 3, "b": 4, "c": 2]))
        #expect(joined.description == "a:3,b:4,c:2")
    }

    @Test func settingAnEntryKeepsOrderAndDropsZeros() {
        let v = vv(["b": 2]).setting("a", to: 7).setting("c", to: 1).setting("b", to: 0)
        #expect(v.description == "a:7,c:1")
        #expect(v.counter(for: "a") == 7)
        #expect(v.counter(for: "b") == 0)
    }

    @Test func textFormRoundTripsAndRejectsNonCanonicalInput() throws {
        let v = vv(["430100": 12, "430000": 3, "430121": 1])
        #expect(try VersionVector(parsing: v.description) == v)
        #expect(try VersionVector(parsing: "") == VersionVector())
        #expect(try VersionVector(parsing: "a:18446744073709551615,b.c-d_e:1").counter(for: "a") == UInt64.max)
        let bad = [
            "b:1,a:1", "a:1,a:2", "a:0", "a", "a:-1", "a:1,", ":1", "a b:1", "a:1x", "a:", ",a:1", "a:1,,b:1",
            "a:+1", "a:18446744073709551616", "a:1:2", "湘:1",
        ]
        for bad in bad {
            #expect(throws: YiwangError.self, "\(bad)") { try VersionVector(parsing: bad) }
        }
    }

    static let vectors = Gen.int(in: 0...4).array(of: 4).map { counters in
        VersionVector(Dictionary(uniqueKeysWithValues: counters.enumerated().map { ("n\($0.offset)", UInt64($0.element)) }))
    }

    @Test func joinIsCommutativeAssociativeAndIdempotent() async {
        await propertyCheck(count: 300, input: Self.vectors, Self.vectors, Self.vectors) { a, b, c in
            #expect(a.joined(with: b) == b.joined(with: a))
            #expect(a.joined(with: b).joined(with: c) == a.joined(with: b.joined(with: c)))
            #expect(a.joined(with: a) == a)
            #expect(a.isCovered(by: a.joined(with: b)) && b.isCovered(by: a.joined(with: b)))
        }
    }

    @Test func comparisonAgreesWithJoin() async {
        await propertyCheck(count: 300, input: Self.vectors, Self.vectors) { a, b in
            let joined = a.joined(with: b)
            switch a.compare(b) {
            case .equal: #expect(a == b)
            case .before: #expect(joined == b && a != b)
            case .after: #expect(joined == a && a != b)
            case .concurrent: #expect(joined != a && joined != b)
            }
        }
    }
}
