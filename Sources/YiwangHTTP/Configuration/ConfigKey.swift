/// One configuration key: its name in the file, its flag and environment variable (derived from the name),
/// what kind of value it takes, its one-line documentation (the flag's help) and how it changes the settings.
/// A daemon's keys are one table (`EdgeConfiguration.keys`, `HubConfiguration.keys`), read by
/// `ConfigurationReader`; the full documentation of every key is in `config/*.yaml`.
public struct ConfigKey<Settings>: Sendable {
    public typealias Kind = ConfigKeyKind
    public typealias Layers = ConfigLayers

    public typealias Apply = @Sendable (inout Settings, ConfigInput) throws(ConfigProblem) -> Void

    /// The file key, snake_case: `heartbeat`, `node_id`.
    public let name: String
    public let kind: Kind
    public let layers: Layers
    /// One line for `--help`; the full text is the key's comment in `config/*.yaml`.
    public let doc: String
    let apply: Apply

    public init(_ name: String, _ kind: Kind, layers: Layers = .all, doc: String, apply: @escaping Apply) {
        self.name = name
        self.kind = kind
        self.layers = layers
        self.doc = doc
        self.apply = apply
    }

    /// `--node-id` for `node_id`.
    public var flag: String { "--" + name.replacingOccurrences(of: "_", with: "-") }
    /// `YIWANG_NODE_ID` for `node_id`.
    public var environmentName: String { "YIWANG_" + name.uppercased() }

    /// The help text of its flag: the doc line and where else it may be set.
    public var help: String {
        let unit = kind == .duration ? " With a unit: 250ms, 5s, 2m, 1h, 12d." : ""
        var elsewhere: [String] = []
        if layers.contains(.file) { elsewhere.append("config key \(name)") }
        if layers.contains(.environment) { elsewhere.append("env \(environmentName)") }
        return elsewhere.isEmpty ? doc + unit : "\(doc)\(unit) (\(elsewhere.joined(separator: ", ")))"
    }
}

extension ConfigKey {
    /// A duration key in milliseconds (`ConfigDuration`).
    public static func duration(
        _ name: String, layers: Layers = .all, doc: String, set: @escaping @Sendable (inout Settings, Int64) -> Void
    ) -> ConfigKey {
        ConfigKey(name, .duration, layers: layers, doc: doc) { (settings, input) throws(ConfigProblem) in
            set(&settings, try input.duration())
        }
    }

    /// A whole-number key (a count or a byte size) of at least `minimum`.
    public static func count(
        _ name: String, _ kind: Kind = .count, minimum: Int = 1, layers: Layers = .all, doc: String,
        set: @escaping @Sendable (inout Settings, Int) -> Void
    ) -> ConfigKey {
        ConfigKey(name, kind, layers: layers, doc: doc) { (settings, input) throws(ConfigProblem) in
            set(&settings, try input.count(minimum: minimum))
        }
    }

    /// A non-empty text key (a path, a URL, an id).
    public static func text(
        _ name: String, _ kind: Kind = .text, layers: Layers = .all, doc: String,
        set: @escaping @Sendable (inout Settings, String) -> Void
    ) -> ConfigKey {
        ConfigKey(name, kind, layers: layers, doc: doc) { (settings, input) throws(ConfigProblem) in
            set(&settings, try input.nonEmptyText())
        }
    }
}

/// What a key's value is (`ConfigKey.kind`).
public enum ConfigKeyKind: String, Sendable {
    case text, path, url, list, mapping, duration, count, bytes, rate, bool, choice, listen
}

/// The layers a key may be given in (a mapping has no flag or environment form).
public struct ConfigLayers: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let file = ConfigLayers(rawValue: 1)
    public static let environment = ConfigLayers(rawValue: 2)
    public static let flag = ConfigLayers(rawValue: 4)
    public static let all: ConfigLayers = [.file, .environment, .flag]
}
