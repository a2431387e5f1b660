import Foundation

enum Format {
    /// 48600 -> "48,600"; 3.14159 -> "3.14"; 0.0123 -> "0.0123".
    static func number(_ value: Double) -> String {
        if value.isNaN || value.isInfinite { return "-" }
        if abs(value) >= 100 {
            let formatter = NumberFormatter()
            formatter.numberStyle = .decimal
            formatter.maximumFractionDigits = 0
            formatter.groupingSeparator = ","
            formatter.usesGroupingSeparator = true
            return formatter.string(from: NSNumber(value: value.rounded())) ?? "\(Int(value))"
        }
        if abs(value) >= 1 { return String(format: "%.2f", value) }
        return String(format: "%.3g", value)
    }

    static func ratio(_ value: Double?) -> String { value.map { String(format: "%.2fx", $0) } ?? "-" }

    static func met(_ met: Bool?) -> String {
        switch met {
        case true?: "yes"
        case false?: "NO"
        case nil: "-"
        }
    }
}

/// The results as a fixed-width text table (stdout) and as a Markdown table (BENCHMARKS.md).
enum BenchTable {
    static let header = ["scenario", "metric", "ours", "limit (same run)", "ratio", "target", "met"]

    static func rows(_ results: [BenchResult]) -> [[String]] {
        results.map { r in
            [
                r.scenario, r.metric, "\(Format.number(r.value)) \(r.unit)",
                r.limit.map { "\(Format.number($0)) (\(r.limitLabel ?? ""))" } ?? "-", Format.ratio(r.ratio),
                r.target, Format.met(r.met),
            ]
        }
    }

    static func text(_ results: [BenchResult]) -> String {
        let all = [header] + rows(results)
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static func notes(_ results: [BenchResult]) -> String {
        results.filter { !$0.notes.isEmpty }.map { "- **\($0.scenario)** (\($0.metric)): \($0.notes)" }
            .joined(separator: "\n")
    }

    static func markdown(_ results: [BenchResult]) -> String {
        let all = [header, header.map { _ in "---" }] + rows(results)
        return all.map { "| " + $0.joined(separator: " | ") + " |" }.joined(separator: "\n")
    }
}
