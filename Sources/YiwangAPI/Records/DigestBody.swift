import YiwangCore

/// `GET /v1/datasets/{dataset}/digest`, the same from the hub and from a node (`yiwangctl digest` compares them).
public struct DigestBody: Codable, Sendable, Hashable {
    public var dataset: String
    /// 64 hex digits.
    public var digest: String
    public var records: Int

    public init(dataset: String, digest: DatasetDigest) {
        self.dataset = dataset
        self.digest = digest.hex
        records = digest.records
    }
}
