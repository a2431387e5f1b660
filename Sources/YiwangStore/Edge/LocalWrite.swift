import YiwangCore

/// A validated local write, as the HTTP API hands it to the store.
public struct LocalWrite: Sendable, Hashable {
    public var dataset: String
    public var key: String
    public var actor: String
    public var operation: Operation
    /// The JSON object text for a put; nil for a delete.
    public var value: String?

    public init(dataset: String, key: String, actor: String, operation: Operation, value: String?) {
        self.dataset = dataset
        self.key = key
        self.actor = actor
        self.operation = operation
        self.value = operation == .put ? value : nil
    }

    public static func put(dataset: String, key: String, actor: String, value: String) -> LocalWrite {
        LocalWrite(dataset: dataset, key: key, actor: actor, operation: .put, value: value)
    }

    public static func delete(dataset: String, key: String, actor: String) -> LocalWrite {
        LocalWrite(dataset: dataset, key: key, actor: actor, operation: .delete, value: nil)
    }
}

/// A version written locally, with its outbox sequence.
public struct WrittenVersion: Sendable, Hashable {
    public var seq: UInt64
    public var version: Version
}
