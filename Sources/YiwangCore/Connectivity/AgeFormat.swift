/// Short human ages for tables an operator reads at a glance: `850ms`, `3s`, `4m`, `5h`, `12d`.
public enum AgeFormat {
    public static func short(ms: Int64?) -> String {
        guard let raw = ms else { return "-" }
        let ms = max(0, raw)
        if ms < 1_000 { return "\(ms)ms" }
        let seconds = ms / 1_000
        if seconds < 120 { return "\(seconds)s" }
        if seconds < 2 * 3_600 { return "\(seconds / 60)m" }
        if seconds < 2 * 86_400 { return "\(seconds / 3_600)h" }
        return "\(seconds / 86_400)d"
    }
}
