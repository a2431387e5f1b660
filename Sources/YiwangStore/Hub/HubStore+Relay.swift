import GRDB
import YiwangCore

extension HubStore {
    /// The node credentials of `nodes` (role `node` only), as a relay is handed them: the SHA-256 of each token
    /// and when it stops being accepted, by node id. Credentials already expired at `nowMs` are left out.
    public func nodeCredentialHashes(of nodes: Set<String>, nowMs: Int64) async throws
        -> [String: [RelaySubtree.Credential]]
    {
        try await pool.read { db in
            var found: [String: [RelaySubtree.Credential]] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT name, hash, revoked_at_ms FROM credentials
                    WHERE role = 'node' AND (revoked_at_ms IS NULL OR revoked_at_ms > ?) ORDER BY name, id
                    """,
                arguments: [nowMs])
            while let row = try rows.next() {
                let name: String = row["name"]
                guard nodes.contains(name) else { continue }
                found[name, default: []].append(
                    RelaySubtree.Credential(sha256: row["hash"], revokedAtMs: row["revoked_at_ms"]))
            }
            return found
        }
    }
}
