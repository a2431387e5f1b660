import Foundation
import YiwangCore

/// Where a configuration value came from: the layers in the order they apply (a later one wins).
public enum ConfigSource: Sendable, Hashable {
    /// The YAML config file at this path.
    case file(String)
    /// The process environment (`YIWANG_<KEY>`).
    case environment
    /// A command-line flag (`--key`).
    case flag
}

/// One value as a layer gives it, before its key's kind reads it: a file may hold a scalar, a list or a
/// mapping; the environment and flags always give text. Helpers read it as each kind; their problems are
/// `ConfigProblem`s, which the reader turns into an error naming the key (as written in that layer) and the
/// file.
public struct ConfigInput: Sendable {
    public enum Value: Sendable, Hashable {
        case scalar(String)
        case list([String])
        case mapping([String: String])
    }

    public let value: Value
    public let source: ConfigSource

    public init(_ value: Value, source: ConfigSource) {
        self.value = value
        self.source = source
    }

    /// The value as one piece of text.
    public func text() throws(ConfigProblem) -> String {
        guard case .scalar(let text) = value else { throw ConfigProblem("expected a single value") }
        return text
    }

    /// Text that must not be empty (a path, a URL, an id).
    public func nonEmptyText() throws(ConfigProblem) -> String {
        let text = try text()
        guard !text.isEmpty else { throw ConfigProblem("must not be empty") }
        return text
    }

    /// A duration with its unit (`ConfigDuration`), in milliseconds.
    public func duration() throws(ConfigProblem) -> Int64 {
        let text = try text()
        switch ConfigDuration.milliseconds(text) {
        case .success(let ms): return ms
        case .failure(let refusal): throw ConfigProblem("'\(text)' is \(refusal)")
        }
    }

    /// A whole number of at least `minimum` (counts and byte sizes; no unit).
    public func count(minimum: Int = 1) throws(ConfigProblem) -> Int {
        let text = try text()
        guard let number = Int(text), number >= minimum else {
            throw ConfigProblem("'\(text)' is not a whole number >= \(minimum)")
        }
        return number
    }

    /// A finite non-negative decimal number (a rate).
    public func rate() throws(ConfigProblem) -> Double {
        let text = try text()
        guard let number = Double(text), number.isFinite, number >= 0, number <= 1e9 else {
            throw ConfigProblem("'\(text)' is not a rate between 0 and 1e9")
        }
        return number
    }

    /// `true` or `false` (YAML's `yes`/`no`, `on`/`off` too, in lower, title or upper case).
    public func bool() throws(ConfigProblem) -> Bool {
        let text = try text()
        let forms = ["true", "yes", "on"].flatMap { [$0, $0.capitalized, $0.uppercased()] }
        let falseForms = ["false", "no", "off"].flatMap { [$0, $0.capitalized, $0.uppercased()] }
        if forms.contains(text) { return true }
        if falseForms.contains(text) { return false }
        throw ConfigProblem("'\(text)' is not true or false")
    }

    /// A list: a YAML sequence, or comma-separated text (blanks dropped).
    public func list() throws(ConfigProblem) -> [String] {
        switch value {
        case .list(let items): return items
        case .scalar(let text):
            return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        case .mapping: throw ConfigProblem("expected a list")
        }
    }

    /// A mapping of names to text (only a file can give one).
    public func mapping() throws(ConfigProblem) -> [String: String] {
        guard case .mapping(let map) = value else { throw ConfigProblem("expected a mapping") }
        return map
    }

    /// `HOST:PORT` or `[IPv6]:PORT` (`ListenAddress`).
    public func listen() throws(ConfigProblem) -> ListenAddress {
        let text = try text()
        guard let address = ListenAddress(text) else {
            throw ConfigProblem("'\(text)' is not HOST:PORT (port 0 to 65535)")
        }
        return address
    }

    /// A path; a relative one given in a file is taken relative to the file's directory.
    public func pathRelativeToFile() throws(ConfigProblem) -> String {
        let text = try nonEmptyText()
        guard !text.hasPrefix("/"), case .file(let file) = source else { return text }
        return ((file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(text)
    }
}

/// What is wrong with one value; the reader adds the key and the file.
public struct ConfigProblem: Error, Sendable {
    public let why: String
    public init(_ why: String) { self.why = why }
}
