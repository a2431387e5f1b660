import Foundation

/// The commented sample configs in `config/`, as the configuration tests read them: every key a sample
/// documents is written at the start of a line, either set (`heartbeat: 5s`) or as a commented-out example
/// (`#proxy: http://...`, no space after `#`). Prose comments (`# ...`) are not keys.
public struct SampleConfig: Sendable {
    /// The repository root, found from this file's path (Sources/YiwangTesting/SampleConfig.swift).
    public static let repository: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    public let path: String
    public let text: String

    /// Reads `config/<name>` from the repository.
    public init(_ name: String) throws {
        path = "\(Self.repository)/config/\(name)"
        text = try String(contentsOfFile: path, encoding: .utf8)
    }

    /// The file with every commented-out example key set (its `#` removed), so each documented value parses.
    public var everyKeySet: String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            Self.keyName(of: line, commented: true) != nil ? String(line.dropFirst()) : String(line)
        }.joined(separator: "\n")
    }

    /// Every key the file documents, in order, with repeats (a key must be documented once).
    public var documentedKeys: [String] {
        text.split(separator: "\n").compactMap {
            Self.keyName(of: $0, commented: false) ?? Self.keyName(of: $0, commented: true)
        }
    }

    private static func keyName(of line: Substring, commented: Bool) -> String? {
        var rest = line
        if commented {
            guard rest.first == "#" else { return nil }
            rest = rest.dropFirst()
        }
        guard let first = rest.first, first.isASCII, first.isLowercase, let colon = rest.firstIndex(of: ":") else {
            return nil
        }
        let name = rest[..<colon]
        guard name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) else { return nil }
        let after = rest[rest.index(after: colon)...]
        guard after.isEmpty || after.first == " " else { return nil }
        return String(name)
    }
}
