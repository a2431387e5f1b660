import YiwangCore

/// One fault: a kind, the direction it applies to, the probability (`toxicity`, 0...1) that a given connection
/// is affected (drawn once per connection and fault, from the proxy's seed), and its integer attributes.
///
/// JSON: `{"name": "lat", "type": "latency", "direction": "both", "toxicity": 1.0,
/// "attributes": {"latency_ms": 200, "jitter_ms": 50}}`.
public struct Fault: Sendable, Hashable, Codable {
    /// Unique among the proxy's faults; an empty name is replaced by a generated one when the fault is added.
    public var name: String
    public var type: FaultKind
    public var direction: FaultDirection
    public var toxicity: Double
    /// Every attribute the kind accepts, defaults filled in.
    public var attributes: [String: Int]

    /// A fault with the kind's default attributes, overridden by `attributes`. Call `validated()` to check it.
    public init(
        name: String = "", type: FaultKind, direction: FaultDirection = .both, toxicity: Double = 1.0,
        attributes: [String: Int] = [:]
    ) {
        self.name = name
        self.type = type
        self.direction = direction
        self.toxicity = toxicity
        var filled: [String: Int] = [:]
        for attribute in type.attributes { filled[attribute.name] = attribute.defaultValue }
        filled.merge(attributes) { $1 }
        self.attributes = filled
    }

    /// The attribute `name`, or 0 when absent.
    public subscript(attribute name: String) -> Int { attributes[name] ?? 0 }

    /// This fault if every field is valid, else an `invalid_field` error naming the field
    /// (`name`, `toxicity`, `attributes.NAME`).
    public func validated() throws(YiwangError) -> Fault {
        if !name.isEmpty && !Fault.isValidName(name) {
            throw .invalidField("name", "must be 1 to 64 characters from [A-Za-z0-9._-]")
        }
        guard toxicity.isFinite, (0.0...1.0).contains(toxicity) else {
            throw .invalidField("toxicity", "must be a number from 0 to 1")
        }
        let known = Dictionary(uniqueKeysWithValues: type.attributes.map { ($0.name, $0) })
        for key in attributes.keys.sorted() where known[key] == nil {
            let accepted = type.attributes.map(\.name)
            let list = accepted.isEmpty ? "none" : accepted.joined(separator: ", ")
            throw .invalidField("attributes.\(key)", "'\(type.rawValue)' does not take it (accepted: \(list))")
        }
        for attribute in type.attributes {
            let value = self[attribute: attribute.name]
            guard attribute.range.contains(value) else {
                throw .invalidField(
                    "attributes.\(attribute.name)",
                    "must be from \(attribute.range.lowerBound) to \(attribute.range.upperBound)")
            }
        }
        if type == .slicer && self[attribute: "size_variation"] >= self[attribute: "average_size"] {
            throw .invalidField("attributes.size_variation", "must be less than average_size")
        }
        return self
    }

    /// Whether `name` is 1 to 64 characters from `[A-Za-z0-9._-]`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    true
                default: false
                }
            }
    }
}

extension Fault {
    /// New connections closed at once, existing ones reset.
    public static func down(name: String = "", toxicity: Double = 1) -> Fault {
        Fault(name: name, type: .down, toxicity: toxicity)
    }
    /// Nothing passes in `direction`; the peer only sees a timeout.
    public static func blackhole(name: String = "", direction: FaultDirection = .both, toxicity: Double = 1) -> Fault {
        Fault(name: name, type: .blackhole, direction: direction, toxicity: toxicity)
    }
    /// Connections reset (RST) `afterMs` after they open (or after the fault is added).
    public static func resetPeer(name: String = "", afterMs: Int = 0, toxicity: Double = 1) -> Fault {
        Fault(name: name, type: .resetPeer, toxicity: toxicity, attributes: ["timeout_ms": afterMs])
    }
    /// Each chunk delayed by `ms` ± `jitterMs`.
    public static func latency(
        name: String = "", ms: Int, jitterMs: Int = 0, direction: FaultDirection = .both, toxicity: Double = 1
    ) -> Fault {
        Fault(
            name: name, type: .latency, direction: direction, toxicity: toxicity,
            attributes: ["latency_ms": ms, "jitter_ms": jitterMs])
    }
    /// Throughput capped at `bytesPerSecond`.
    public static func bandwidth(
        name: String = "", bytesPerSecond: Int, direction: FaultDirection = .both, toxicity: Double = 1
    ) -> Fault {
        Fault(
            name: name, type: .bandwidth, direction: direction, toxicity: toxicity,
            attributes: ["bytes_per_second": bytesPerSecond])
    }
    /// Data split into chunks of `averageSize` ± `sizeVariation` bytes, `delayMs` apart.
    public static func slicer(
        name: String = "", averageSize: Int = 16, sizeVariation: Int = 0, delayMs: Int = 1,
        direction: FaultDirection = .both, toxicity: Double = 1
    ) -> Fault {
        Fault(
            name: name, type: .slicer, direction: direction, toxicity: toxicity,
            attributes: ["average_size": averageSize, "size_variation": sizeVariation, "delay_ms": delayMs])
    }
    /// The connection closed once `bytes` bytes passed in `direction`.
    public static func limitData(
        name: String = "", bytes: Int, direction: FaultDirection = .downstream, toxicity: Double = 1
    ) -> Fault {
        Fault(name: name, type: .limitData, direction: direction, toxicity: toxicity, attributes: ["bytes": bytes])
    }
}
