import Testing
import YiwangCore

/// Issue 13 class 4: text that identifies something is its bytes; invalid text is refused, never replaced.
@Suite struct ByteKeyTests {
    static let precomposed = "caf\u{E9}"  // U+00E9
    static let decomposed = "cafe\u{301}"  // e + U+0301
    static let kelvin = "\u{212A}1"  // KELVIN SIGN: canonically equivalent to "K1"

    @Test func canonicallyEquivalentTextsWithDifferentBytesAreTwoKeys() {
        #expect(Self.precomposed == Self.decomposed)  // what Swift says, and why String cannot be a key here
        #expect(ByteKey(Self.precomposed) != ByteKey(Self.decomposed))
        #expect(Set([ByteKey(Self.precomposed), ByteKey(Self.decomposed)]).count == 2)
        #expect(ByteKey(Self.kelvin) != ByteKey("K1"))
        #expect(ByteKey("abc") == ByteKey("abc") && ByteKey("a") < ByteKey("b"))
        // Byte order, as SQLite sorts: U+212A (E2 84 AA) after every ASCII letter.
        #expect(ByteKey("K1") < ByteKey(Self.kelvin))
    }

    @Test func versionsOfCanonicallyEquivalentKeysOrOriginsDiffer() {
        let a = version(["430100": 1], key: Self.precomposed, hlc: 5, origin: "430100")
        var b = a
        b.key = Self.decomposed
        #expect(a != b)
        #expect(Set([a, b]).count == 2)
        var kelvinOrigin = a
        kelvinOrigin.origin = Self.kelvin
        var ascii = a
        ascii.origin = "K1"
        #expect(kelvinOrigin != ascii)
        // The tie-break on origin is by bytes, so one of the two always wins, in either order.
        #expect(kelvinOrigin.winsOver(ascii) != ascii.winsOver(kelvinOrigin))
    }

    @Test func vectorEntriesAreOrderedAndFoundByBytes() {
        // Not from a [String: _] literal: it would trap on the two "equal" keys.
        let vector = VersionVector().setting("K1", to: 1).setting(Self.kelvin, to: 2)
        #expect(vector.entries.count == 2)
        #expect(vector.counter(for: "K1") == 1 && vector.counter(for: Self.kelvin) == 2)
        #expect(vector.setting("K1", to: 3).counter(for: Self.kelvin) == 2)
        #expect(vector.compare(VersionVector(["K1": 1])) == .after)
    }

    @Test(arguments: [
        #"{"a":"\ud800"}"#, #"{"a":"\udc00"}"#, #"{"a":"\udc00\ud800"}"#, #"{"a":"x\uD834y"}"#,
        #"{"\ud800":1}"#, #"{"a":"\ud800\u0041"}"#, #"{"a":["\uDFFF"]}"#,
    ])
    func loneSurrogateEscapesAreRefused(_ text: String) {
        #expect(throws: YiwangError.self, "\(text)") { try Validation.value(text) }
    }

    @Test func validSurrogatePairsAreAccepted() throws {
        try Validation.value(#"{"emoji":"\ud83d\ude00","clef":"\uD834\uDD1E","e":"\u00e9"}"#)
        try JSONObjectValidator.validateString(#""\ud83d\ude00""#, field: "key")
        #expect(throws: YiwangError.self) { try JSONObjectValidator.validateString(#""\ud83d""#, field: "key") }
    }

    @Test func replacementCharacterInKeyOrActorIsRefused() {
        // U+FFFD is what the HTTP parser leaves where a path or a header held invalid UTF-8.
        #expect(throws: YiwangError.self) { try Validation.key("k\u{FFFD}") }
        #expect(throws: YiwangError.self) { try Validation.actor("\u{FFFD}clerk") }
        #expect((try? Validation.key("caf\u{E9}-\u{5F20}\u{4E09}")) != nil)
    }
}
