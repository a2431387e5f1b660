import YiwangCore


func vv(_ pairs: [String: UInt64]) -> VersionVector { VersionVector(pairs) }

func version(
    _ pairs: [String: UInt64], key: String = "k", hlc: Int64, origin: String, op: Operation = .put,
    value: String? = nil, dataset: String = "population"
) -> Version {
    Version(
        dataset: dataset, key: key, vector: vv(pairs), hlc: HLCTimestamp(wallMs: hlc), origin: origin,
        actor: "clerk@\(origin)", operation: op, value: op == .put ? (value ?? "{\"v\":\(hlc)}") : nil)
}
