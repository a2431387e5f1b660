import Foundation
import YiwangCore

extension Fault {
    /// Parses and validates a control-API request body:
    /// `{"name"?: String, "type": String, "direction"?: "upstream|downstream|both" (default both),
    /// "toxicity"?: 0...1 (default 1), "attributes"?: {String: integer}}`.
    /// Errors are `invalid_field` naming the field: `body`, `name`, `type`, `direction`, `toxicity`, `attributes`,
    /// `attributes.NAME`.
    public static func parse(json bytes: some Collection<UInt8>) throws(YiwangError) -> Fault {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw .invalidField("body", "is not valid JSON")
        }
        guard case .object(let object) = value else {
            throw .invalidField("body", "must be a JSON object, not \(value.typeName)")
        }
        let knownKeys: Set = ["name", "type", "direction", "toxicity", "attributes"]
        for key in object.keys.sorted() where !knownKeys.contains(key) {
            throw .invalidField(key, "unknown field (accepted: attributes, direction, name, toxicity, type)")
        }
        let kinds = FaultKind.allCases.map(\.rawValue).joined(separator: ", ")
        guard let typeValue = object["type"] else { throw .invalidField("type", "is required (one of \(kinds))") }
        guard case .string(let typeName) = typeValue, let type = FaultKind(rawValue: typeName) else {
            throw .invalidField("type", "must be one of \(kinds)")
        }
        var name = ""
        switch object["name"] {
        case nil, .null: break
        case .string(let given): name = given
        case let other?: throw .invalidField("name", "must be a string, not \(other.typeName)")
        }
        var direction = FaultDirection.both
        switch object["direction"] {
        case nil, .null: break
        case .string(let given):
            guard let parsed = FaultDirection(rawValue: given) else {
                throw .invalidField("direction", "must be upstream, downstream or both")
            }
            direction = parsed
        case let other?: throw .invalidField("direction", "must be a string, not \(other.typeName)")
        }
        var toxicity = 1.0
        switch object["toxicity"] {
        case nil, .null: break
        case .number(let given): toxicity = given
        case let other?: throw .invalidField("toxicity", "must be a number from 0 to 1, not \(other.typeName)")
        }
        var attributes: [String: Int] = [:]
        switch object["attributes"] {
        case nil, .null: break
        case .object(let given):
            for key in given.keys.sorted() {
                guard case .number(let number)? = given[key], number.rounded() == number, abs(number) < 9e15 else {
                    throw .invalidField("attributes.\(key)", "must be an integer")
                }
                attributes[key] = Int(number)
            }
        case let other?: throw .invalidField("attributes", "must be an object, not \(other.typeName)")
        }
        for attribute in type.attributes where attribute.required && attributes[attribute.name] == nil {
            throw .invalidField("attributes.\(attribute.name)", "is required for '\(type.rawValue)'")
        }
        let fault = Fault(name: name, type: type, direction: direction, toxicity: toxicity, attributes: attributes)
        return try fault.validated()
    }
}
