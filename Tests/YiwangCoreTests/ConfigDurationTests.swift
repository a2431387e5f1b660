import Testing
import YiwangCore

@Suite struct ConfigDurationTests {
    @Test(
        "every unit, fractions in whole milliseconds, zero, leading zeros",
        arguments: [
            ("250ms", 250), ("5s", 5_000), ("2m", 120_000), ("1h", 3_600_000), ("12d", 1_036_800_000),
            ("0s", 0), ("0ms", 0), ("007s", 7_000), ("1.5s", 1_500), ("0.25h", 900_000), ("1.000ms", 1),
            ("0.001s", 1), ("2.5d", 216_000_000), ("0.0000003125d", 27),
        ] as [(String, Int64)])
    func accepted(_ text: String, _ ms: Int64) {
        #expect(ConfigDuration.milliseconds(text) == .success(ms))
    }

    @Test(
        "refused with a reason, never trapped on",
        arguments: [
            ("", .empty), ("5", .missingUnit), ("0", .missingUnit), ("30000", .missingUnit), ("1.5", .missingUnit),
            ("5S", .unknownUnit), ("5MS", .unknownUnit), ("5sec", .unknownUnit), ("5w", .unknownUnit),
            ("5y", .unknownUnit), ("5 s", .malformed), (" 5s", .malformed), ("5s ", .malformed),
            ("-5s", .malformed), ("+5s", .malformed), ("1e300s", .malformed), ("1e3ms", .malformed),
            (".5s", .malformed), ("5.s", .malformed), ("5..0s", .malformed), ("s", .malformed),
            ("ms", .malformed), ("nan s", .malformed), ("inf", .malformed), ("soon", .malformed),
            ("5s5s", .malformed), ("5m30s", .malformed), ("1,5s", .malformed), ("0x10s", .malformed),
            ("５s", .malformed) /* a full-width digit */, ("5\u{0}s", .malformed),
            ("1.5ms", .finerThanMilliseconds), ("0.0001s", .finerThanMilliseconds),
            ("0.12345678901s", .finerThanMilliseconds), ("0.0000000001d", .finerThanMilliseconds),
            ("99999999999999999999d", .tooLarge), ("9223372036854775807ms", .tooLarge),
            ("36501d", .tooLarge), ("3153600000001ms", .tooLarge),
            ("1" + String(repeating: "0", count: 400) + "s", .tooLarge),
        ] as [(String, ConfigDuration.Refusal)])
    func refused(_ text: String, _ refusal: ConfigDuration.Refusal) {
        #expect(ConfigDuration.milliseconds(text) == .failure(refusal), "\(text)")
    }

    @Test("the bound is 36500d exactly, in every unit")
    func bound() {
        #expect(ConfigDuration.milliseconds("36500d") == .success(ConfigDuration.maximumMs))
        #expect(ConfigDuration.milliseconds("876000h") == .success(ConfigDuration.maximumMs))
        #expect(ConfigDuration.milliseconds("3153600000000ms") == .success(ConfigDuration.maximumMs))
        #expect(ConfigDuration.milliseconds("36500.5d") == .failure(.tooLarge))
        #expect(ConfigDuration.milliseconds("876000.001h") == .failure(.tooLarge))
        // Far below Int64's end: the bound added to the latest wall-clock time a peer may send still fits.
        #expect(Millis.maxWallMs.addingReportingOverflow(ConfigDuration.maximumMs).overflow == false)
    }

    @Test("invalid UTF-8 and stray bytes are refused as bytes")
    func bytes() {
        #expect(ConfigDuration.milliseconds(bytes: [0x35, 0xFF]) == .failure(.malformed))
        #expect(ConfigDuration.milliseconds(bytes: [0xC3, 0x28]) == .failure(.malformed))
        #expect(ConfigDuration.milliseconds(bytes: [0x35, 0x73, 0x80]) == .failure(.malformed))
        #expect(ConfigDuration.milliseconds(bytes: Array("5s".utf8)) == .success(5_000))
        // U+FFFD, what a decoder puts in place of broken bytes, is not a unit either.
        #expect(ConfigDuration.milliseconds("5\u{FFFD}") == .failure(.malformed))
    }

    @Test("every text of a few random bytes is refused or parsed, without trapping")
    func noTrap() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789.msdhMSe+- \u{7F}".utf8) + [0xFF, 0xC3]
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...24, using: &generator)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            if case .success(let ms) = ConfigDuration.milliseconds(bytes: bytes) {
                #expect((0...ConfigDuration.maximumMs).contains(ms))
            }
        }
    }

    @Test(
        "the shortest exact text round-trips",
        arguments: [0, 1, 250, 1_500, 5_000, 60_000, 86_400_000, 90_000_000] as [Int64])
    func text(_ ms: Int64) {
        #expect(ConfigDuration.milliseconds(ConfigDuration.text(ms: ms)) == .success(ms))
    }

    @Test("a refusal says what to write")
    func messages() {
        #expect(ConfigDuration.Refusal.missingUnit.description.contains("250ms, 5s, 2m, 1h or 12d"))
        #expect(ConfigDuration.Refusal.tooLarge.description.contains("36500d"))
    }
}
