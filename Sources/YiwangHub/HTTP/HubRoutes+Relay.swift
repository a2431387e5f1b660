import Hummingbird
import YiwangCore
import YiwangHTTP

extension HubRoutes {
    /// `GET /v1/relay/subtree` for the node the route's access check established (a node credential only, in
    /// the `node` group): the descendants of that node with their credential hashes (`RelaySubtree`), so a
    /// relaying city keeps authenticating its counties while cut off. A county gets an empty list; no node
    /// ever gets another's subtree (the node is the credential's, never a parameter).
    static func relaySubtree(context: HubRequestContext, hub: ProvinceHub) async throws -> Response {
        guard let node = context.identity?.name else {
            throw YiwangError.invalidField("X-Yiwang-Node", "the header naming the node is required")
        }
        return Response.json(try await hub.relaySubtree(for: node))
    }
}

extension ProvinceHub {
    /// The subtree of `node` as the topology and the credentials stand now.
    public func relaySubtree(for node: String) async throws -> RelaySubtree {
        let empty = RelaySubtree.of(node, in: topology, credentials: [:])
        let ids = Set(empty.nodes.map(\.id))
        guard !ids.isEmpty else { return empty }
        let hashes = try await store.nodeCredentialHashes(of: ids, nowMs: clock.nowMs())
        // `publicKeys`: filled once the hub registers signing keys with credentials (the `signing` work).
        return RelaySubtree.of(node, in: topology, credentials: hashes)
    }
}
