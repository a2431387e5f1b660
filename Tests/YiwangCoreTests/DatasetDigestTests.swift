import Testing
import YiwangCore

@Suite struct DatasetDigestTests {
    let a = RecordState(single: version(["n": 1], key: "a", hlc: 1, origin: "n"))
    let b = RecordState(single: version(["n": 2], key: "b", hlc: 2, origin: "n"))

    @Test func isIndependentOfOrderAndSupportsRemoval() {
        var forward = DatasetDigest()
        forward.add(key: "a", state: a)
        forward.add(key: "b", state: b)
        var backward = DatasetDigest()
        backward.add(key: "b", state: b)
        backward.add(key: "a", state: a)
        #expect(forward == backward && forward.hex == backward.hex)
        backward.remove(key: "b", state: b)
        var onlyA = DatasetDigest()
        onlyA.add(key: "a", state: a)
        #expect(backward == onlyA)
    }

    @Test func changesWithAnyPartOfTheVisibleState() {
        var base = DatasetDigest()
        base.add(key: "a", state: a)
        var otherValue = a
        otherValue.visible[0].value = "{\"v\":2}"
        var otherVector = a
        otherVector.vector = vv(["n": 1, "m": 1])
        for changed in [otherValue, otherVector] {
            var digest = DatasetDigest()
            digest.add(key: "a", state: changed)
            #expect(digest != base)
        }
        var twice = DatasetDigest()
        twice.add(key: "a", state: a)
        twice.add(key: "a", state: a)
        #expect(twice.hex != DatasetDigest().hex)  // a sum, so duplicates do not cancel like XOR would
        #expect(base.hex.count == 64)
    }
}
