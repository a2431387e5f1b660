import Foundation
import YiwangCore
import Yams

/// The one configuration reader of `yiwang-edge`, `yiwang-hub` and `yiwangctl`: a table of keys applied
/// layer by layer onto the defaults, the config file, then the environment (`YIWANG_<KEY>`), then flags
/// (`--key`); a later layer wins. An unknown key in the file is an error naming it (a typo must not be
/// ignored); environment variables that are not keys are left alone (they may be meant for another program).
/// Every error names the key as written in its layer (`heartbeat`, `YIWANG_HEARTBEAT`, `--heartbeat`) and,
/// for the file, the file.
public struct ConfigurationReader<Settings>: Sendable {
    public let keys: [ConfigKey<Settings>]

    public init(keys: [ConfigKey<Settings>]) {
        precondition(Set(keys.map(\.name)).count == keys.count, "configuration keys must be unique")
        self.keys = keys
    }

    public func key(named name: String) -> ConfigKey<Settings>? {
        keys.first { $0.name == name }
    }

    /// The keys given by flag: the flag's name without `--` (as `ConfigFlags` collects them) to its text.
    public func read(
        into settings: inout Settings, file: String?, environment: [String: String], flags: [String: String]
    ) throws(YiwangError) {
        if let file { try apply(file: file, to: &settings) }
        try apply(environment: environment, to: &settings)
        try apply(flags: flags, to: &settings)
    }

    /// Applies a YAML config file (a mapping of keys to values; empty is fine).
    public func apply(file path: String, to settings: inout Settings) throws(YiwangError) {
        for (name, value) in try Self.loadMapping(path) {
            guard let key = self.key(named: name), key.layers.contains(.file) else {
                throw .invalidConfig(
                    file: path, key: name, "unknown key (known: \(keys.map(\.name).joined(separator: ", ")))")
            }
            try apply(key, ConfigInput(value, source: .file(path)), named: name, file: path, to: &settings)
        }
    }

    /// Applies every `YIWANG_<KEY>` variable that names a key allowed in the environment.
    public func apply(environment: [String: String], to settings: inout Settings) throws(YiwangError) {
        for key in keys where key.layers.contains(.environment) {
            guard let text = environment[key.environmentName] else { continue }
            try apply(
                key, ConfigInput(.scalar(text), source: .environment), named: key.environmentName, file: nil,
                to: &settings)
        }
    }

    /// Applies flags (`flag-name` without dashes to text), in the table's order.
    public func apply(flags: [String: String], to settings: inout Settings) throws(YiwangError) {
        let byFlag = Dictionary(uniqueKeysWithValues: keys.map { (String($0.flag.dropFirst(2)), $0) })
        for name in flags.keys where byFlag[name]?.layers.contains(.flag) != true {
            throw .invalidConfig(file: nil, key: "--\(name)", "not a configuration flag")
        }
        for key in keys {
            guard let text = flags[String(key.flag.dropFirst(2))] else { continue }
            try apply(key, ConfigInput(.scalar(text), source: .flag), named: key.flag, file: nil, to: &settings)
        }
    }

    private func apply(
        _ key: ConfigKey<Settings>, _ input: ConfigInput, named name: String, file: String?,
        to settings: inout Settings
    ) throws(YiwangError) {
        do {
            try key.apply(&settings, input)
        } catch {
            throw .invalidConfig(file: file, key: name, error.why)
        }
    }

    /// The file's top-level mapping, in file order, each value as a scalar's text, a list of scalars or a
    /// mapping of scalars. Errors name the file (key `config`).
    static func loadMapping(_ path: String) throws(YiwangError) -> [(String, ConfigInput.Value)] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else { throw .invalidConfig(file: path, key: "config", "cannot read the config file (or not UTF-8)") }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            // Yams's message spans lines (with the context); the daemons report one line.
            let message = "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
            throw .invalidConfig(file: path, key: "config", "not valid YAML: \(message)")
        }
        guard let root else { return [] }
        guard let mapping = root.mapping else {
            throw .invalidConfig(file: path, key: "config", "expected a mapping of keys to values")
        }
        var seen = Set<String>()
        var entries: [(String, ConfigInput.Value)] = []
        for (keyNode, valueNode) in mapping {
            guard let name = keyNode.scalar?.string else {
                throw .invalidConfig(file: path, key: "config", "a key is not plain text")
            }
            guard seen.insert(name).inserted else { throw .invalidConfig(file: path, key: name, "given twice") }
            guard let value = Self.value(of: valueNode) else {
                throw .invalidConfig(file: path, key: name, "expected text, a list or a mapping of plain values")
            }
            entries.append((name, value))
        }
        return entries
    }

    private static func value(of node: Node) -> ConfigInput.Value? {
        switch node {
        case .scalar(let scalar): return .scalar(scalar.string)
        case .sequence(let sequence):
            let items = sequence.compactMap(\.scalar?.string)
            return items.count == sequence.count ? .list(items) : nil
        case .mapping(let mapping):
            var map: [String: String] = [:]
            for (key, value) in mapping {
                guard let name = key.scalar?.string, let text = value.scalar?.string, map[name] == nil else {
                    return nil
                }
                map[name] = text
            }
            return .mapping(map)
        case .alias: return nil
        }
    }
}
