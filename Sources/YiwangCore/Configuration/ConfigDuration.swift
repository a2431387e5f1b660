/// The one duration syntax of every configuration key and daemon flag: a decimal number and its unit, with
/// nothing between or around them: `250ms`, `5s`, `2m`, `1h`, `12d`. A fraction is allowed when it comes out
/// in whole milliseconds (`1.5s`, `0.25h`).
///
/// Refused, never trapped on: an empty text; a bare number (`5` meant milliseconds at the edge and seconds at
/// the hub, so its unit would be a guess); any other unit, upper-case ones included (`5S`, `5sec`); signs,
/// exponents, spaces and any byte outside the grammar (`-5s`, `1e300s`, `5 s`, invalid UTF-8); a fraction
/// finer than a millisecond (`1.5ms`); and anything over `maximumMs` (`99999999999999999999d`). The bound
/// is 100 years: far above any sensible setting, and small enough that adding it to any wall-clock reading
/// of `Millis.wallRange` cannot overflow an `Int64`.
public enum ConfigDuration {
    /// The largest duration accepted: 36500d (100 years), in milliseconds.
    public static let maximumMs: Int64 = 36_500 * 86_400_000

    /// The units, in milliseconds. Lower case only.
    public static let units: [(name: String, ms: Int64)] = [
        ("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
    ]

    /// Why a text is not a duration.
    public enum Refusal: Error, Hashable, Sendable, CustomStringConvertible {
        case empty
        /// A number with no unit.
        case missingUnit
        /// A number followed by letters that are not one of `units`.
        case unknownUnit
        /// Anything else outside the grammar: signs, exponents, spaces, stray bytes.
        case malformed
        /// A fraction that is not a whole number of milliseconds.
        case finerThanMilliseconds
        /// Over `maximumMs`.
        case tooLarge

        /// Reads after "'TEXT' is ".
        public var description: String {
            let form = "write a number and a unit: 250ms, 5s, 2m, 1h or 12d"
            switch self {
            case .empty: return "empty; \(form)"
            case .missingUnit: return "a bare number, without its unit; \(form)"
            case .unknownUnit: return "not in a known unit (ms, s, m, h or d, lower case)"
            case .malformed: return "not a duration; \(form)"
            case .finerThanMilliseconds: return "finer than a millisecond"
            case .tooLarge: return "too long (at most 36500d)"
            }
        }
    }

    /// Parses `text` (its UTF-8 bytes) into milliseconds.
    public static func milliseconds(_ text: String) -> Result<Int64, Refusal> {
        milliseconds(bytes: Array(text.utf8))
    }

    /// Parses raw bytes into milliseconds; bytes that are not ASCII digits, `.` or a unit are refused.
    public static func milliseconds(bytes: [UInt8]) -> Result<Int64, Refusal> {
        guard !bytes.isEmpty else { return .failure(.empty) }
        var index = 0
        let wholeDigits = digitRun(bytes, from: &index)
        guard !wholeDigits.isEmpty else { return .failure(.malformed) }
        var fractionDigits: ArraySlice<UInt8> = []
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            fractionDigits = digitRun(bytes, from: &index)
            guard !fractionDigits.isEmpty else { return .failure(.malformed) }
        }
        let unitBytes = bytes[index...]
        guard !unitBytes.isEmpty else { return .failure(.missingUnit) }
        guard let unit = units.first(where: { Array($0.name.utf8) == Array(unitBytes) }) else {
            let letters = unitBytes.allSatisfy { isASCIILetter($0) }
            return .failure(letters ? .unknownUnit : .malformed)
        }
        return combine(whole: wholeDigits, fraction: fractionDigits, unitMs: unit.ms)
    }

    /// `whole.fraction × unitMs`, exact, within `maximumMs`.
    private static func combine(whole: ArraySlice<UInt8>, fraction: ArraySlice<UInt8>, unitMs: Int64)
        -> Result<Int64, Refusal>
    {
        // The whole part: refused as soon as it passes the bound (no Int64 arithmetic can overflow before).
        var wholeValue: Int64 = 0
        for digit in whole {
            wholeValue = wholeValue * 10 + Int64(digit - UInt8(ascii: "0"))
            guard wholeValue <= maximumMs else { return .failure(.tooLarge) }
        }
        let (wholeMs, overflow) = wholeValue.multipliedReportingOverflow(by: unitMs)
        guard !overflow, wholeMs <= maximumMs else { return .failure(.tooLarge) }
        // The fraction, trailing zeros dropped: more than 10 significant digits is never whole milliseconds
        // (a day is 2^10·3^3·5^5 ms), and 10 digits times a day's ms stays below Int64.max.
        let significant = fraction.reversed().drop(while: { $0 == UInt8(ascii: "0") }).reversed()
        guard significant.count <= 10 else { return .failure(.finerThanMilliseconds) }
        var numerator: Int64 = 0
        var denominator: Int64 = 1
        for digit in significant {
            numerator = numerator * 10 + Int64(digit - UInt8(ascii: "0"))
            denominator *= 10
        }
        let scaled = numerator * unitMs
        guard scaled % denominator == 0 else { return .failure(.finerThanMilliseconds) }
        let total = wholeMs + scaled / denominator
        guard total <= maximumMs else { return .failure(.tooLarge) }
        return .success(total)
    }

    /// The duration in its shortest exact form, for help texts and logs: `250ms`, `5s`, `24h`, `1500ms`.
    public static func text(ms: Int64) -> String {
        for unit in units.reversed() where ms != 0 && ms % unit.ms == 0 {
            return "\(ms / unit.ms)\(unit.name)"
        }
        return "\(ms)ms"
    }

    private static func digitRun(_ bytes: [UInt8], from index: inout Int) -> ArraySlice<UInt8> {
        let start = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return bytes[start..<index]
    }

    private static func isASCIILetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }
}
