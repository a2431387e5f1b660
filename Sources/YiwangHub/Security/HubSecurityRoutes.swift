import Foundation
import Hummingbird
import YiwangAPI
import YiwangCore
import YiwangHTTP
import YiwangStore

/// The accountability routes (operator credential required: `HubRoutes.router` adds them to its `reader` group):
/// - `GET /v1/audit?from=SEQ&limit=N`: audit entries in order (`{"entries":[...]}`);
/// - `GET /v1/audit/head`: the chain's head, `{"seq":..,"hash":..,"head":"SEQ:HASH"}`;
/// - `GET /v1/audit/verify?expect=SEQ:HASH`: the hub verifies its own chain;
/// - `GET /v1/records/{dataset}/{key}/history`: every version of a record the hub has seen (blame);
/// - `GET /v1/audit/archives`: how much of the chain is archived and pruned (`ArchiveStateBody`).
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
            return Response.json(AuditVerifyBody(result))
        }
        router.get("/v1/records/:dataset/:key/history") { _, context in
            let dataset = try context.parameters.require("dataset")
            let key = try PathKey.decode(try context.parameters.require("key"))
            guard hub.topology.policies[dataset] != nil else { throw YiwangError.unknownDataset(dataset) }
            let history = try await hub.store.historyBody(dataset: dataset, key: key)
            guard !history.versions.isEmpty || history.archived != nil else {
                throw YiwangError.notFound("history of '\(key)' in dataset '\(dataset)'")
            }
            return Response.json(history)
        }
        router.get("/v1/audit/archives") { _, _ in Response.json(try await hub.store.archiveState()) }
    }

    /// `POST /v1/audit/archives` (admin credential: `HubRoutes.router` adds it to its `admin` group): records
    /// segments `yiwangctl audit archive` sealed, each head checked against the hub's own entry
    /// (`HubStore.recordArchive`), then prunes what is archived and compacted. Body: `ArchiveClaimBody`, at most
    /// 4 MiB; answer: `ArchiveStateBody`.
    static func addAdmin(to router: RouterGroup<HubRequestContext>, hub: ProvinceHub) {
        router.post("/v1/audit/archives") { request, _ in
            let body = try await request.body.collect(upTo: 4 << 20)
            guard let claim = try? JSONCoding.decoder.decode(ArchiveClaimBody.self, from: Data(buffer: body)) else {
                throw YiwangError.invalidField("body", "expected an archive claim (JSON)")
            }
            return Response.json(try await hub.store.recordArchive(claim, nowMs: hub.clock.nowMs()))
        }
    }
}
