import Foundation
import Hummingbird
import YiwangCore
import YiwangHTTP
import YiwangStore

/// The accountability routes (operator credential required: `HubRoutes.router` adds them to its `reader` group):
/// - `GET /v1/audit?from=SEQ&limit=N`: audit entries in order (`{"entries":[...]}`);
/// - `GET /v1/audit/head`: the chain's head, `{"seq":..,"hash":..,"head":"SEQ:HASH"}`;
/// - `GET /v1/audit/verify?expect=SEQ:HASH`: the hub verifies its own chain;
/// - `GET /v1/records/{dataset}/{key}/history`: every version of a record the hub has seen (blame).
enum HubSecurityRoutes {
    static func add(to router: RouterGroup<HubRequestContext>, hub: ProvinceHub) {
        router.get("/v1/audit") { request, _ in
            let query = request.uri.queryParameters
            let from = query["from"].flatMap { Int64($0) } ?? 1
            let limit = query["limit"].flatMap { Int($0) } ?? 1000
            guard from >= 0, limit > 0 else {
                throw YiwangError.invalidField("limit", "from and limit must be positive integers")
            }
            let entries = try await hub.store.auditEntries(from: from, limit: min(limit, 10_000))
            return Response.json(AuditPage(entries: entries.map(AuditEntryBody.init)))
        }
        router.get("/v1/audit/head") { _, _ in
            Response.json(AuditHeadBody(try await hub.store.auditHead()))
        }
        router.get("/v1/audit/verify") { request, _ in
            var expected: AuditHead?
            if let text = request.uri.queryParameters["expect"] {
                guard let head = AuditHead(parsing: String(text)) else {
                    throw YiwangError.invalidField("expect", "expected SEQ:HASH (64 hex digits)")
                }
                expected = head
            }
            let result = try await hub.store.verifyAudit(expecting: expected)
            return Response.json(
                AuditVerifyBody(
                    intact: result.isIntact, checked: result.checked, head: AuditHeadBody(result.head),
                    problem: result.problem))
        }
        router.get("/v1/records/:dataset/:key/history") { _, context in
            let dataset = try context.parameters.require("dataset")
            let key = try PathKey.decode(try context.parameters.require("key"))
            guard hub.topology.policies[dataset] != nil else { throw YiwangError.unknownDataset(dataset) }
            let versions = try await hub.store.history(dataset: dataset, key: key)
            guard !versions.isEmpty else { throw YiwangError.notFound("history of '\(key)' in dataset '\(dataset)'") }
            return Response.json(HistoryBody(dataset: dataset, key: key, versions: versions))
        }
    }
}

/// An audit entry on the wire: the stored columns, hashes in hex.
public struct AuditEntryBody: Codable, Sendable, Hashable {
    public var seq: Int64
    public var atMs: Int64
    public var kind: String
    public var node: String
    public var dataset: String
    public var key: String
    public var detail: String
    public var prevHash: String
    public var hash: String

    public init(_ entry: AuditEntry) {
        seq = entry.seq
        atMs = entry.atMs
        kind = entry.kind
        node = entry.node
        dataset = entry.dataset
        key = entry.key
        detail = entry.detail
        prevHash = entry.prevHash?.hex ?? ""
        hash = entry.hash.hex
    }

    /// The entry to verify (an unparsable hash stays unequal to every real one).
    public var entry: AuditEntry {
        AuditEntry(
            seq: seq, atMs: atMs, kind: kind, node: node, dataset: dataset, key: key, detail: detail,
            prevHash: AuditHash(hex: prevHash) ?? AuditHash(bytes: []), hash: AuditHash(hex: hash) ?? AuditHash(bytes: []))
    }
}

public struct AuditPage: Codable, Sendable {
    public var entries: [AuditEntryBody]
}

public struct AuditHeadBody: Codable, Sendable, Hashable {
    public var seq: Int64
    public var hash: String
    /// `SEQ:HASH`, as `audit verify --expect-head` takes it.
    public var head: String

    public init(_ head: AuditHead) {
        seq = head.seq
        hash = head.hash.hex
        self.head = head.description
    }
}

public struct AuditVerifyBody: Codable, Sendable {
    public var intact: Bool
    public var checked: Int
    public var head: AuditHeadBody
    public var problem: AuditProblem?
}

public struct HistoryBody: Codable, Sendable {
    public var dataset: String
    public var key: String
    public var versions: [VersionHistoryItem]
}
