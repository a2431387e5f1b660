/// The relay section of a batch (protocol 3, tag 4), after the skip mark:
///
///     tag u8 (4) | hop count varint (2...maxHops) | each hop: node id string | received at varint (wall ms)
///
/// The hops run from the origin (the batch's node) to the sender, each the child of the next; the time is the
/// sender's clock when it received the origin's report. Every length and number is checked here; whether the
/// path is true (the topology's parents, the authenticated sender) is the hub's judgement (`RelayRoute`).
extension RelaySection {
    static let tag: UInt8 = 4

    static func encode(_ relay: RelaySection, into w: inout ByteWriter) {
        w.u8(tag)
        w.varint(UInt64(relay.path.count))
        for hop in relay.path { w.string(hop) }
        w.varint(UInt64(max(0, relay.receivedAtMs)))
    }

    /// The section if the next bytes are one and `version` has it; nil otherwise (bytes of another section
    /// are left for the caller, which refuses what its version does not know).
    static func decodeIfPresent(_ r: inout ByteReader, version: ProtocolVersion) throws(YiwangError) -> RelaySection? {
        guard version >= .v3, r.remaining > 0, r.peek == tag else { return nil }
        _ = try r.u8("relay tag")
        let count = try r.count("relay path", minItemBytes: 2, limit: maxHops)
        guard count >= 2 else {
            throw YiwangError(
                code: .malformedBatch, field: "relay path",
                message: "a relay path names the origin and the sender (at least 2 hops), this one \(count)")
        }
        var path: [String] = []
        path.reserveCapacity(count)
        for _ in 0..<count {
            let hop = try r.string("relay hop", maxBytes: 64)
            do { try Validation.nodeID(hop, field: "relay hop") } catch {
                throw YiwangError(code: .malformedBatch, field: "relay hop", message: error.message)
            }
            guard !path.contains(where: { ByteKey.equal($0, hop) }) else {
                throw YiwangError(
                    code: .malformedBatch, field: "relay path", message: "the relay path names a node twice (a loop)")
            }
            path.append(hop)
        }
        let receivedAtMs = try r.wallMs("relay received at")
        return RelaySection(path: path, receivedAtMs: receivedAtMs)
    }
}
