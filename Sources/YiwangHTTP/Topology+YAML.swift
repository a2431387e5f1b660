import Foundation
import YiwangCore
import Yams

extension Topology {
    /// Reads and validates a topology file; every error names the file and the key at fault.
    public static func load(path: String) throws(YiwangError) -> Topology {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalidConfig(file: path, key: "topology", "cannot read the topology file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .invalidConfig(file: path, key: "topology", "the topology file is not UTF-8")
        }
        return try Topology(yaml: text, file: path)
    }

    /// Parses and validates a topology from YAML text (format in DESIGN.md).
    public init(yaml: String, file: String? = nil) throws(YiwangError) {
        let document: TopologyDocument
        do {
            document = try YAMLDecoder().decode(TopologyDocument.self, from: yaml)
        } catch let error as DecodingError {
            throw Self.describe(error, file: file)
        } catch {
            throw .invalidConfig(file: file, key: "topology", "not valid YAML: \(error)")
        }
        var policies: [String: MergePolicy] = [:]
        for (name, dataset) in document.datasets ?? [:] {
            let policyName = dataset.policy ?? MergePolicy.lww.rawValue
            guard let policy = MergePolicy(rawValue: policyName) else {
                throw .invalidConfig(
                    file: file, key: "datasets.\(name).policy",
                    "unknown policy '\(policyName)' (use \(MergePolicy.allCases.map(\.rawValue).joined(separator: " or ")))")
            }
            policies[name] = policy
        }
        let nodes = (document.nodes ?? []).map { entry in
            Node(
                id: entry.id, name: entry.name ?? entry.id, level: entry.level, parent: entry.parent ?? document.hub.id,
                datasets: entry.datasets ?? [])
        }
        try self.init(
            hub: Hub(id: document.hub.id, name: document.hub.name ?? document.hub.id), nodes: nodes,
            policies: policies, file: file)
    }

    private static func describe(_ error: DecodingError, file: String?) -> YiwangError {
        func path(_ codingPath: [any CodingKey]) -> String {
            var text = ""
            for key in codingPath {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
            return text.isEmpty ? "topology" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            let full = parent == "topology" ? key.stringValue : "\(parent).\(key.stringValue)"
            return .invalidConfig(file: file, key: full, "missing required key '\(key.stringValue)'")
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return .invalidConfig(file: file, key: path(context.codingPath), context.debugDescription)
        @unknown default:
            return .invalidConfig(file: file, key: "topology", "\(error)")
        }
    }
}

/// The file's shape, as decoded before validation.
private struct TopologyDocument: Decodable {
    struct HubEntry: Decodable {
        var id: String
        var name: String?
    }
    struct NodeEntry: Decodable {
        var id: String
        var name: String?
        var level: String
        var parent: String?
        var datasets: [String]?
    }
    struct DatasetEntry: Decodable {
        var policy: String?
    }
    var hub: HubEntry
    var nodes: [NodeEntry]?
    var datasets: [String: DatasetEntry]?
}
