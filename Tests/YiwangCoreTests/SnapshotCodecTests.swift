import Testing
import YiwangCore

/// The snapshot page format: a round trip keeps every record's joined vector and every visible version
/// (tombstones and siblings), and hostile bytes or tokens get a typed error, never a trap.
@Suite struct SnapshotCodecTests {
    static func samplePage(count: Int = 40) -> SnapshotPage {
        var entries: [SnapshotEntry] = []
        for i in 0..<count {
            let key = "k-\(String(i, radix: 16))"
            let a = version(["430100": UInt64(i + 1)], key: key, hlc: 1_700_000_000_000 + Int64(i), origin: "430100")
            let b = version(
                ["430200": 2], key: key, hlc: 1_700_000_000_000, origin: "430200", op: i % 3 == 0 ? .delete : .put)
            // The joined vector counts a loser the page does not carry (it lost a conflict at the hub).
            let joined = vv(["430100": UInt64(i + 1), "430200": 2, "430300": 9])
            let visible = i % 2 == 0 ? [a, b] : [b]
            entries.append(SnapshotEntry(dataset: "population", key: key, state: RecordState(vector: joined, visible: visible)))
        }
        entries.sort { ByteKey.less($0.key, $1.key) }
        let last = entries[entries.count - 1]
        return SnapshotPage(
            position: 77, readAt: 90, next: SnapshotToken(dataset: last.dataset, key: last.key), entries: entries)
    }

    @Test(arguments: [true, false]) func roundTrips(compress: Bool) throws {
        let page = Self.samplePage()
        #expect(try SnapshotCodec.decode(SnapshotCodec.encode(page, compress: compress)) == page)
        let last = SnapshotPage(position: 0, readAt: 0, next: nil, entries: [])
        #expect(try SnapshotCodec.decode(SnapshotCodec.encode(last)) == last)
    }

    @Test func everyTruncationAndFlippedByteIsATypedError() {
        let bytes = SnapshotCodec.encode(Self.samplePage(count: 3), compress: false)
        for cut in 0..<bytes.count {
            #expect(throws: YiwangError.self) { try SnapshotCodec.decode(Array(bytes.prefix(cut))) }
        }
        for index in bytes.indices {
            var flipped = bytes
            flipped[index] ^= 0x41
            // Either refused with a typed error or (the CRC catches every single-byte change) never accepted.
            #expect(throws: YiwangError.self) { try SnapshotCodec.decode(flipped) }
        }
    }

    @Test func pagesOutOfOrderOrWithAForeignNextTokenAreRefused() throws {
        var page = Self.samplePage(count: 3)
        page.entries.swapAt(0, 1)
        #expect(throws: YiwangError.self) { try SnapshotCodec.decode(SnapshotCodec.encode(page)) }
        page = Self.samplePage(count: 3)
        page.next = SnapshotToken(dataset: "population", key: "zzz")
        #expect(throws: YiwangError.self) { try SnapshotCodec.decode(SnapshotCodec.encode(page)) }
        page = Self.samplePage(count: 3)
        page.entries[0].state.vector = vv(["430100": 1])  // a visible version beyond the joined vector
        #expect(throws: YiwangError.self) { try SnapshotCodec.decode(SnapshotCodec.encode(page)) }
        page = Self.samplePage(count: 3)
        page.readAt = 10  // read before its own position
        #expect(throws: YiwangError.self) { try SnapshotCodec.decode(SnapshotCodec.encode(page)) }
    }

    @Test func tokensRoundTripAsBytesAndHostileOnesAreRefusedNamingTheField() throws {
        for token in [
            SnapshotToken(dataset: "population", key: "a"), SnapshotToken(dataset: "p", key: "é"),
            SnapshotToken(dataset: "p", key: "e\u{301}"), SnapshotToken(dataset: "p", key: "/%2F?&=#"),
        ] {
            let parsed = try SnapshotToken(parsing: Substring(token.encoded))
            #expect(Array(parsed.dataset.utf8) == Array(token.dataset.utf8))
            #expect(Array(parsed.key.utf8) == Array(token.key.utf8))
        }
        // Canonically equivalent keys are different tokens (bytes, not Swift's String ==).
        #expect(SnapshotToken(dataset: "p", key: "é").precedes(dataset: "p", key: "e\u{301}") == false)
        #expect(SnapshotToken(dataset: "p", key: "e\u{301}").precedes(dataset: "p", key: "é"))
        for hostile in ["", "0", "zz", "ABCD", "00", "0161", "0161ff", "ff", "ffffffffffffffffffff01",
                        String(repeating: "61", count: 2_000)] {
            do {
                _ = try SnapshotToken(parsing: Substring(hostile))
                Issue.record("token \(hostile.prefix(20)) was accepted")
            } catch {
                #expect(error.field == "after")
            }
        }
    }
}
