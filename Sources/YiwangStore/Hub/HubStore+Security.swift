import GRDB
import YiwangCore

extension HubStore {
    /// The credential whose token hashes to `tokenHash`, or nil (unknown token).
    public func credential(tokenHash: String) async throws -> Credential? {
        try await pool.read { db in try CredentialTable.find(db, hash: tokenHash) }
    }

    /// How many credentials are valid at `nowMs` (zero means none was ever issued, or all are revoked).
    public func activeCredentialCount(nowMs: Int64) async throws -> Int {
        try await pool.read { db in try CredentialTable.activeCount(db, nowMs: nowMs) }
    }

    /// Every credential, valid or not (no tokens: the hub does not have them).
    public func credentials() async throws -> [Credential] {
        try await pool.read { db in try CredentialTable.all(db) }
    }

    /// Issues a new token for `name` and returns it; only its hash is stored. With `replacingAfterMs`, the
    /// name's other credentials stop being accepted that many milliseconds from now (0: at once) — a rotation.
    public func issueCredential(
        name: String, role: CredentialToken.Role, replacingAfterMs: Int64? = nil, nowMs: Int64
    ) async throws -> String {
        let token = CredentialToken.generate()
        try await pool.write { db in
            var expired = 0
            if let grace = replacingAfterMs {
                expired = try CredentialTable.expire(db, name: name, atMs: nowMs.saturatingAdd(max(0, grace)))
            }
            try CredentialTable.insert(db, name: name, role: role, hash: CredentialToken.hash(token), nowMs: nowMs)
            var detail = AuditDetail()
            detail.add("action", replacingAfterMs == nil ? "create" : "rotate")
            detail.add("role", role.rawValue)
            if let grace = replacingAfterMs {
                detail.add("old_valid_until_ms", nowMs.saturatingAdd(max(0, grace)))
                detail.add("old_credentials", Int64(expired))
            }
            var audit = try AuditWriter(db)
            try audit.append(db, atMs: nowMs, kind: "credential", node: name, detail: detail.json)
        }
        return token
    }

    /// Revokes every credential of `name` at once; returns how many were still valid.
    public func revokeCredentials(name: String, nowMs: Int64) async throws -> Int {
        try await pool.write { db in
            let count = try CredentialTable.expire(db, name: name, atMs: nowMs)
            var detail = AuditDetail()
            detail.add("action", "revoke")
            detail.add("credentials", Int64(count))
            var audit = try AuditWriter(db)
            try audit.append(db, atMs: nowMs, kind: "credential", node: name, detail: detail.json)
            return count
        }
    }

    /// Appends a refused request (bad credential, unknown node, rate limit, ...) to the audit log.
    public func auditRefusal(node: String, error: YiwangError, nowMs: Int64) async throws {
        try await pool.write { db in
            var audit = try AuditWriter(db)
            try audit.append(
                db, atMs: nowMs, kind: "reject_batch", node: node, detail: AuditDetail.refusal(error))
        }
    }

    /// The audit chain's head: export it and keep it elsewhere (`yiwangctl audit head`).
    public func auditHead() async throws -> AuditHead {
        try await pool.read { db in try AuditTable.head(db) }
    }

    /// Audit entries from `seq` on, at most `limit` (at most 10,000).
    public func auditEntries(from seq: Int64, limit: Int) async throws -> [AuditEntry] {
        try await pool.read { db in try AuditTable.entries(db, from: seq, limit: limit) }
    }

    /// Verifies the whole audit chain, against an exported head if given.
    public func verifyAudit(expecting: AuditHead?) async throws -> AuditVerification {
        try await pool.read { db in try AuditTable.verify(db, expecting: expecting) }
    }
}
