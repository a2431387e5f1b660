import Hummingbird
import YiwangCore
import YiwangHTTP

extension HubRoutes {
    /// `GET /v1/grants` for the node the route's access check established: `{"node", "datasets",
    /// "policies"}` from the topology, that node's own datasets and their policies only (README "Datasets and
    /// policies come from the province"). A node not in the topology never gets here (`HubAccessMiddleware`).
    static func grants(context: HubRequestContext, hub: ProvinceHub) throws -> Response {
        guard let node = context.identity?.name else {
            throw YiwangError.invalidField("X-Yiwang-Node", "the header naming the node is required")
        }
        return Response.json(hub.grants(for: node))
    }
}

extension ProvinceHub {
    /// What the topology grants `node`: its datasets and the policy of each (nothing for a node not listed).
    public func grants(for node: String) -> NodeGrants {
        NodeGrants.granting(node: node, datasets: topology.grants(for: node), declared: topology.policies)
    }
}
