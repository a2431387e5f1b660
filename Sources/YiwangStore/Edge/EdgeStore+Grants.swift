import Foundation
import GRDB
import YiwangCore

extension EdgeStore {
    /// The province's grants as the hub last gave them, and when (this node's time), kept so that a node
    /// restarted while the hub is unreachable still merges with the province's policies. nil when none were
    /// ever stored; a stored copy that no longer reads as valid grants for this node is an error.
    public func storedGrants() throws(YiwangError) -> (grants: NodeGrants, receivedAtMs: Int64)? {
        let row = try readAtStart { db -> (String, Int64)? in
            guard let text = try EdgeMeta.text(db, EdgeMeta.provinceGrants) else { return nil }
            return (text, try EdgeMeta.int(db, EdgeMeta.provinceGrantsAtMs) ?? 0)
        }
        guard let (text, atMs) = row else { return nil }
        let decoded: NodeGrants
        do {
            decoded = try JSONDecoder().decode(NodeGrants.self, from: Data(text.utf8))
        } catch {
            throw .storage("the stored province grants do not decode: \(error)")
        }
        return (try decoded.validated(for: nodeID), atMs)
    }

    /// Stores the hub's answer (already validated), replacing the previous one, in one transaction.
    public func storeGrants(_ grants: NodeGrants, receivedAtMs: Int64) async throws(YiwangError) {
        let text: String
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            text = String(decoding: try encoder.encode(grants), as: UTF8.self)
        } catch {
            throw .storage("cannot encode the province grants: \(error)")
        }
        try await write { db in
            try EdgeMeta.set(db, EdgeMeta.provinceGrants, text)
            try EdgeMeta.set(db, EdgeMeta.provinceGrantsAtMs, receivedAtMs)
        }
    }
}
