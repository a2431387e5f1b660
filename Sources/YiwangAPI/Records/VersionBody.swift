import YiwangCore

/// A version as `RecordJSON.version` writes it, read back (`yiwangctl`): everything but the value, which a
/// reader that needs it takes from the record itself.
public struct VersionBody: Decodable, Sendable, Hashable {
    public var dataset: String
    public var key: String
    public var vector: String
    /// `HLCTimestamp.description`; `hlcMs` is its wall-clock part.
    public var hlc: String
    public var hlcMs: Int64
    public var origin: String
    public var actor: String
    /// `put` or `delete`.
    public var op: String
}
