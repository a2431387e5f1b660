import Foundation
import YiwangCore

/// Durations as people write them in configs and flags: `500ms`, `30s`, `5m`, `1h`, `12d`; a bare number is
/// seconds.
public enum DurationText {
    public static func milliseconds(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            guard let number = Double(trimmed.dropLast(suffix.count)), number >= 0, number.isFinite else {
                return nil
            }
            return Millis.whole(number * scale)
        }
        guard let seconds = Double(trimmed), seconds >= 0, seconds.isFinite else { return nil }
        return Millis.whole(seconds * 1000)
    }
}
